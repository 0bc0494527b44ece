//! `sqlx::migrate!` embeds the files under `migrations/`, but a proc macro cannot tell cargo what it
//! read: without this line a new migration alone would not be embedded until something else changed.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
