//! What the benchmark binaries share: latency percentiles, printed one case a line.

use std::time::Duration;

pub fn percentiles(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    format!(
        "p50 {:7.2} ms   p95 {:7.2} ms   p99 {:7.2} ms   (n={})",
        p(0.50),
        p(0.95),
        p(0.99),
        samples.len()
    )
}

#[allow(clippy::print_stdout)]
pub fn report(name: &str, samples: Vec<Duration>) {
    println!("{name:<52} {}", percentiles(samples));
}
