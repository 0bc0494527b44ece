//! The worker: an apalis worker over the queue that runs generation jobs, restarted when its broker
//! goes away, beside a loop that reconciles stale events, promotes due jobs on Redis and forgets
//! finished jobs.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use apalis::layers::retry::HasherRng;
use apalis::layers::retry::backoff::{ExponentialBackoffMaker, MakeBackoff};
use apalis::prelude::{
    AbortError, Attempt, BackendExt, BoxDynError, Data, Event, EventListenerExt, RetryPolicy,
    WorkerBuilder, WorkerBuilderExt, WorkerContext, WorkerError,
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::generator::Generator;
use super::wakeups::Wakeups;
use super::{
    GenerateOccurrences, JobContext, Jobs, MAX_ATTEMPTS, QueueError, RECONCILE_GRACE, outage,
};
use crate::events::{Generation, GenerationError};
use crate::storage::Timestamp;
use crate::storage::generation_failures::{self, GenerationFailure};

/// Between polls of Redis (apalis-redis offers no wake-up for scheduled jobs: a poll is one Lua
/// call, cheap for Redis); the local queue is woken by each insert and polled as a fallback.
const REDIS_POLL: Duration = Duration::from_millis(25);
const LOCAL_POLL: Duration = Duration::from_secs(5);
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(200);
const LONGEST_RETRY_DELAY: Duration = Duration::from_secs(5);
const RESTART_DELAYS: (Duration, Duration) = (Duration::from_millis(500), Duration::from_secs(30));
/// A worker that ran this long was healthy: its next restart starts again from the short delay.
const HEALTHY_RUN: Duration = Duration::from_secs(60);
const RECONCILE_PERIOD: Duration = Duration::from_secs(15);
/// How often due jobs are promoted on Redis (see [`Jobs::promote_due`]).
const PROMOTE_PERIOD: Duration = Duration::from_millis(250);
const FORGET_FINISHED_PERIOD: Duration = Duration::from_secs(3600);
/// How often the stored horizon of series without end moves forward (first at start): hourly,
/// though a day's move is all it needs, so that a failed run is soon retried.
const HORIZON_PERIOD: Duration = Duration::from_secs(3600);
/// How often [`run_until_idle`] looks at the queue, and how long it waits at most.
const IDLE_CHECK: Duration = Duration::from_millis(5);
const IDLE_DEADLINE: Duration = Duration::from_secs(60);
/// How long a stopping worker may take to finish the jobs in hand. apalis 1.0's local worker
/// sometimes never wakes up to a stop (seen in about one run in twenty of a test that stops
/// workers in a loop); whatever it had taken is given back when it is left.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Runs jobs until `shutdown`, reconciling stale events and forgetting finished jobs meanwhile.
/// A worker whose broker fails is started again with a growing delay.
pub async fn run_worker(jobs: Jobs, context: JobContext, shutdown: CancellationToken) {
    let maintenance = tokio::spawn(maintain(jobs.clone(), context.clone(), shutdown.clone()));
    let mut delay = RESTART_DELAYS.0;
    let finished = Arc::new(AtomicUsize::new(0));
    loop {
        let started = Instant::now();
        promote(&jobs).await;
        let stop = shutdown.clone().cancelled_owned();
        let outcome = run_apalis(&jobs, context.clone(), finished.clone(), |_| async {
            stop.await;
            Ok::<(), Infallible>(())
        })
        .await;
        if shutdown.is_cancelled() {
            break;
        }
        // Said once per outage of the queue, however many restarts it takes.
        match outcome {
            Ok(()) => outage::QUEUE.failed("the job worker stopped", &"its queue went away"),
            Err(error) => outage::QUEUE.failed("the job worker failed", &error),
        }
        if started.elapsed() > HEALTHY_RUN {
            delay = RESTART_DELAYS.0;
        }
        tracing::debug!(?delay, "restarting the job worker");
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(delay) => delay = (delay * 2).min(RESTART_DELAYS.1),
        }
    }
    tracing::info!(jobs = finished.load(Ordering::SeqCst), "job worker stopped");
    let _ = maintenance.await;
}

/// Runs every queued job to completion, then stops; returns how many jobs finished (done or
/// failed). For tests, and for running a queue to empty from the command line.
pub async fn run_until_idle(jobs: &Jobs, context: JobContext) -> Result<usize, QueueError> {
    jobs.promote_due().await?;
    let finished = Arc::new(AtomicUsize::new(0));
    let idle_jobs = jobs.clone();
    let outcome = run_apalis(jobs, context, finished.clone(), move |worker| async move {
        let deadline = Instant::now() + IDLE_DEADLINE;
        loop {
            idle_jobs.promote_due().await?;
            let outstanding = idle_jobs.outstanding(&worker).await?;
            if outstanding == 0 && worker.task_count() == 0 {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(QueueError::Timeout(IDLE_DEADLINE));
            }
            tokio::time::sleep(IDLE_CHECK).await;
        }
    })
    .await;
    match outcome {
        Ok(()) => Ok(finished.load(Ordering::SeqCst)),
        Err(RunError::Stop(error)) => Err(error),
        Err(RunError::Worker(error)) => Err(QueueError::Worker(error.to_string())),
    }
}

#[derive(Debug, thiserror::Error)]
enum RunError<E> {
    #[error(transparent)]
    Worker(#[from] WorkerError),
    #[error(transparent)]
    Stop(E),
}

/// Runs one apalis worker over the queue until `stop` (given the worker's context) resolves, then
/// lets the jobs in hand finish and gives back those it had taken without starting. Ends early if
/// the worker ends on its own (its broker failed).
async fn run_apalis<Stop, StopFuture, E>(
    jobs: &Jobs,
    context: JobContext,
    finished: Arc<AtomicUsize>,
    stop: Stop,
) -> Result<(), RunError<E>>
where
    Stop: FnOnce(WorkerContext) -> StopFuture,
    StopFuture: Future<Output = Result<(), E>>,
{
    // Names are unique per run: Redis refuses a second registration under a live name.
    let worker = WorkerContext::new(&format!("almanac-{}", Uuid::now_v7().simple()));
    // In a block of its own, whose returns end the run, not the function: the worker's jobs
    // are given back however the run ends.
    let outcome: Result<(), RunError<E>> = async {
        let concurrency = context.concurrency.max(1);
        macro_rules! run_on {
            ($backend:expr) => {{
                let run = WorkerBuilder::new(worker.clone())
                    .backend($backend)
                    .concurrency(concurrency)
                    .retry(RetryPolicy::retries(MAX_ATTEMPTS - 1).with_backoff(backoff()))
                    .data(Generator::start(context))
                    .on_event(move |worker, event| log_event(worker, event, &finished))
                    .build(generate)
                    .run();
                tokio::pin!(run);
                let stop = stop(worker.clone());
                tokio::select! {
                    ended = &mut run => return Ok(ended?),
                    stopped = stop => stopped.map_err(RunError::Stop)?,
                }
                if let Err(error) = worker.stop() {
                    tracing::debug!(%error, "the job worker was already stopping");
                }
                match tokio::time::timeout(STOP_GRACE, run).await {
                    Ok(ended) => Ok(ended?),
                    Err(_) => {
                        tracing::warn!(grace = ?STOP_GRACE, "the job worker did not wind down; leaving it");
                        Ok(())
                    }
                }
            }};
        }
        match jobs {
            Jobs::Local { storage, inserted } => {
                let wakeups = Wakeups::new(LOCAL_POLL, Some(inserted.clone()));
                run_on!(storage.clone().poll_with_strategy(wakeups))
            }
            Jobs::Redis(storage) => {
                run_on!(storage.clone().poll_with_strategy(Wakeups::new(REDIS_POLL, None)))
            }
        }
    }
    .await;
    match jobs.release_worker(&worker).await {
        Ok(0) => {}
        Ok(released) => tracing::info!(released, "jobs taken by the stopped worker queued again"),
        Err(error) => outage::QUEUE.failed(
            "cannot give back the stopped worker's jobs; the other workers will",
            &error,
        ),
    }
    outcome
}

fn backoff() -> <ExponentialBackoffMaker as MakeBackoff>::Backoff {
    ExponentialBackoffMaker::new(
        FIRST_RETRY_DELAY,
        LONGEST_RETRY_DELAY,
        0.5,
        HasherRng::default(),
    )
    .map(|mut maker| maker.make_backoff())
    .unwrap_or_else(|_| unreachable!("the delays are constants with min < max"))
}

fn log_event(worker: &WorkerContext, event: &Event, finished: &AtomicUsize) {
    match event {
        Event::Success(_) => {
            finished.fetch_add(1, Ordering::SeqCst);
        }
        Event::Error(error) => {
            finished.fetch_add(1, Ordering::SeqCst);
            tracing::warn!(worker = worker.name(), %error, "a generation job failed");
        }
        _ => {}
    }
}

/// The job: generates the event's current occurrences. A failure is recorded for admins; a series
/// that cannot be expanded is given up at once, anything else is retried.
async fn generate(
    job: GenerateOccurrences,
    generator: Data<Generator>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    let event_id = job.event_id;
    let started = Instant::now();
    let generated = generator.generate(event_id).await;
    metrics::histogram!("almanac_generation_duration_seconds")
        .record(started.elapsed().as_secs_f64());
    match generated {
        Ok(Generation::Stored { occurrences }) => {
            tracing::debug!(%event_id, occurrences, "occurrences generated");
            Ok(())
        }
        Ok(Generation::Skipped) => Ok(()),
        Err(error) => {
            let permanent = matches!(error, GenerationError::InvalidSeries(_));
            metrics::counter!("almanac_generation_failures_total", "permanent" => if permanent { "true" } else { "false" })
                .increment(1);
            let failure = GenerationFailure {
                event_id,
                revision: job.revision,
                attempts: i64::try_from(attempt.current()).unwrap_or(i64::MAX),
                error: error.to_string(),
                permanent,
            };
            if let Err(record_error) =
                generation_failures::record_failure(&generator.context.db, &failure).await
            {
                tracing::warn!(%event_id, %record_error, "cannot record a failed generation");
            }
            if permanent {
                Err(AbortError::new(error).into())
            } else {
                Err(error.into())
            }
        }
    }
}

async fn promote(jobs: &Jobs) {
    match jobs.promote_due().await {
        Ok(_) => outage::QUEUE.answered(),
        Err(error) => outage::QUEUE.failed("cannot promote due jobs", &error),
    }
}

/// Which stale events the reconciler may queue again: those revised before the last time no job
/// was waiting, and at least [`RECONCILE_GRACE`] ago (see [`maintain`]).
#[derive(Debug, Default)]
struct StaleCutoff {
    drained_at: Option<Timestamp>,
}

impl StaleCutoff {
    /// Takes how many jobs wait `now`; `None` until the queue has once been seen with none.
    fn observe(&mut self, waiting: usize, now: Timestamp) -> Option<Timestamp> {
        if waiting == 0 {
            self.drained_at = Some(now);
        }
        self.drained_at
            .map(|drained_at| drained_at.min(now - RECONCILE_GRACE))
    }
}

/// Reconciles stale events every [`RECONCILE_PERIOD`] (first at start; one worker per period,
/// whichever claims it first), promotes due jobs on Redis, forgets finished jobs hourly, and
/// moves the horizon of series without end forward hourly (first at start), until `shutdown`.
///
/// A job waiting its turn behind a backlog is not lost, and queueing its event again would only
/// lengthen the backlog (a burst of writes once grew it by thousands of duplicates, and a new
/// series waited 25 s behind them). So the reconciler only takes events revised before the last
/// time it saw no job waiting: their jobs, if they had been queued, had all been started then.
async fn maintain(jobs: Jobs, context: JobContext, shutdown: CancellationToken) {
    let mut cutoff = StaleCutoff::default();
    let mut reconcile = tokio::time::interval(RECONCILE_PERIOD);
    let mut forget = tokio::time::interval(FORGET_FINISHED_PERIOD);
    let mut horizon = tokio::time::interval(HORIZON_PERIOD);
    let mut promote_due = tokio::time::interval(PROMOTE_PERIOD);
    promote_due.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = promote_due.tick(), if !jobs.is_local() => promote(&jobs).await,
            _ = reconcile.tick() => {
                let waiting = match jobs.waiting().await {
                    Ok(waiting) => waiting,
                    Err(error) => {
                        outage::QUEUE.failed("cannot count waiting jobs", &error);
                        continue;
                    }
                };
                let Some(revised_before) = cutoff.observe(waiting, Timestamp::now()) else { continue };
                match jobs.claim_beat("reconcile", RECONCILE_PERIOD).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(error) => {
                        outage::QUEUE.failed("cannot claim the reconciler's turn", &error);
                        continue;
                    }
                }
                if let Err(error) = super::reconcile_stale(&context.db, &jobs, revised_before).await {
                    tracing::warn!(%error, "reconciler failed; will retry");
                }
            }
            _ = horizon.tick() => match super::advance_horizons(&context).await {
                Ok(stored) => tracing::debug!(stored, "series without end stored to the horizon"),
                Err(error) => tracing::warn!(%error, "cannot move the horizon forward; will retry"),
            },
            _ = forget.tick() => match jobs.forget_finished().await {
                Ok(forgotten) => tracing::debug!(forgotten, "finished jobs forgotten"),
                Err(error) => outage::QUEUE.failed("cannot forget finished jobs", &error),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> Timestamp {
        Timestamp::MIN + Duration::from_secs(seconds)
    }

    #[test]
    fn stale_events_are_queued_again_only_if_revised_before_the_queue_last_drained() {
        let mut cutoff = StaleCutoff::default();
        assert_eq!(
            cutoff.observe(12, at(1_000)),
            None,
            "never seen drained: nothing is lost yet"
        );
        assert_eq!(
            cutoff.observe(0, at(1_015)),
            Some(at(985)),
            "drained: the grace alone counts"
        );
        assert_eq!(cutoff.observe(3_000, at(1_030)), Some(at(1_000)));
        assert_eq!(
            cutoff.observe(2_000, at(1_300)),
            Some(at(1_015)),
            "a backlog since 1015 s: events revised since may still be waiting their turn"
        );
        assert_eq!(cutoff.observe(0, at(1_315)), Some(at(1_285)));
    }
}
