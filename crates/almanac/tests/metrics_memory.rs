//! The metrics recorder keeps each latency sample until it is folded into its histogram's buckets.
//! A server nobody scrapes must still fold them, or its memory grows with every request. A test
//! binary of its own: it counts every byte the process holds, so nothing else may run in it.

use std::alloc::System;
use std::time::{Duration, Instant};

use almanac::http::metrics;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const MIB: isize = 1 << 20;

/// Bytes held now that were not held when the region began.
fn held_since(region: &Region<System>) -> isize {
    let change = region.change();
    change.bytes_allocated as isize - change.bytes_deallocated as isize + change.bytes_reallocated
}

fn record_requests(count: usize) {
    for _ in 0..count {
        ::metrics::histogram!("almanac_http_request_duration_seconds", "route" => "/healthz")
            .record(0.001);
    }
}

#[test]
fn latency_samples_are_let_go_without_a_scrape() {
    metrics::install();
    let region = Region::new(ALLOCATOR);
    record_requests(1_000_000);
    let recorded = held_since(&region);
    assert!(
        recorded > 4 * MIB,
        "a million samples are held until folded ({recorded} bytes)"
    );
    // Requests go on at a thousand a second: the recorder frees folded samples as they come.
    let patience = 6 * metrics::UPKEEP_INTERVAL;
    let deadline = Instant::now() + patience;
    while held_since(&region) > 2 * MIB {
        assert!(
            Instant::now() < deadline,
            "the samples are still held {patience:?} later: {} bytes",
            held_since(&region)
        );
        record_requests(100);
        std::thread::sleep(Duration::from_millis(100));
    }
}
