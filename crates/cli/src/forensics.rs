//! `kuzet forensics`: runs the election-forensics suite on a Russian CEC station file and
//! prints a summary, JSON, an HTML report and a PNG of the fingerprint.
//!
//! The file is read by `kuzet_ingest::election` and its stations turned into plain vectors by
//! `kuzet_forensics::election`; this module shows progress and writes the outputs.

use crate::exit::InputError;
use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use kuzet_forensics::suite::{SuiteStep, run_suite_with_progress};
use kuzet_forensics::{SuiteOptions, SuiteReport};
use kuzet_ingest::election::read_russian_cec;
use kuzet_report::forensics as report;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A Russian CEC station file (`.csv.zip` or `.csv`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print the results as JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Also write a self-contained HTML report with every chart to this file.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Also write the fingerprint as a PNG image to this file.
    #[arg(long, value_name = "FILE.png")]
    pub png: Option<PathBuf>,
    /// Also write one fingerprint PNG per region into this folder (created if needed).
    #[arg(long, value_name = "DIR")]
    pub png_regions: Option<PathBuf>,
    /// Seed of every random part (Monte-Carlo null, bootstrap, the fraud model).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Monte-Carlo draws of the integer-percentage null (and bootstrap replicates).
    #[arg(long, default_value_t = 1000)]
    pub draws: usize,
    /// Only the stations of this region (its name as in the file).
    #[arg(long, value_name = "NAME")]
    pub region: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).map_err(|e| InputError(format!("{name}: cannot read: {e}")))?;
    let election = read_russian_cec(&name, bytes).map_err(|e| InputError(e.to_string()))?;
    let (mut stations, skipped) = kuzet_forensics::election::stations_of(&election).map_err(|e| InputError(format!("{name}: {e}")))?;
    if let Some(region) = &args.region {
        stations = match stations.only_region(region) {
            Some(Ok(only)) => only,
            Some(Err(e)) => return Err(InputError(format!("{name}: region {region}: {e}")).into()),
            None => {
                let known = stations.region_names().iter().take(5).cloned().collect::<Vec<_>>().join(", ");
                return Err(InputError(format!("{name}: no region named {region:?} (regions include {known}, …)")).into());
            }
        };
    }
    let options = SuiteOptions { seed: args.seed, draws: args.draws, bootstrap: args.draws, ..SuiteOptions::default() };
    let progress = ProgressBar::new(SuiteStep::ALL.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut started = false;
    let result = run_suite_with_progress(&stations, &options, |step| {
        if started {
            progress.inc(1);
        }
        started = true;
        progress.set_message(step.label());
    });
    progress.finish_and_clear();

    let source = args.file.file_name().map_or(name.clone(), |f| f.to_string_lossy().into_owned());
    let source = match &args.region {
        Some(region) => format!("{source}, {region}"),
        None => source,
    };
    if let Some(path) = &args.report {
        std::fs::write(path, report::html(&result, &source)).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.png {
        std::fs::write(path, report::fingerprint_png(&result.fingerprint.overall, 5))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(dir) = &args.png_regions {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let print = &result.fingerprint;
        for (index, (histogram, name)) in print.by_region.iter().zip(&print.region_names).enumerate() {
            if print.region_voters[index] == 0 {
                continue;
            }
            // Region names become file names: keep letters and digits, replace the rest.
            let safe: String = name.chars().map(|c| if c.is_alphanumeric() { c } else { '_' }).collect();
            let path = dir.join(format!("{:02}-{safe}.png", index + 1));
            std::fs::write(&path, report::fingerprint_png(histogram, 10))
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    if args.json {
        let mut value = report::json(&result, &source);
        value["stations_without_figures"] = skipped.into();
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{}", summary(&result, &source, skipped));
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(r: &SuiteReport, source: &str, skipped: usize) -> String {
    let fit = &r.fraud_fit;
    let peaks = &r.peaks;
    let mut out = format!(
        "{source}: {} stations ({} usable, {skipped} without figures left out); leader {}; seed {}, {} draws\n",
        r.stations, r.usable_stations, r.leader, r.options.seed, r.options.draws
    );
    out += &format!(
        "fraud model (Klimek et al.): f_i = {:.2} (σ_x {}), f_e = {:.3}; distance {:.3e} (no fraud: {:.3e})\n",
        fit.incremental, fit.incremental_sd, fit.extreme, fit.distance, fit.distance_without_fraud
    );
    for t in [&peaks.turnout, &peaks.leader_share, &peaks.either] {
        out += &format!(
            "whole percentages, {}: {} observed, {:.0} ± {:.0} by chance, excess {:.0}, p = {:.4}\n",
            t.quantity, t.observed, t.null_mean, t.null_sd, t.excess, t.p_value
        );
    }
    out += &format!(
        "excess votes for the leader: {:.0} of {} ({:.1} %)\n",
        r.excess.excess_votes,
        r.excess.leader_votes,
        100.0 * r.excess.excess_votes / (r.excess.leader_votes.max(1) as f64)
    );
    for c in &r.digits.candidates {
        out += &format!(
            "digits, {}: 2BL mean {:.3} [{:.3}, {:.3}], χ² p = {:.3}; last digit p = {:.3}; 0/5 {:.1} %\n",
            c.candidate,
            c.mean_second_digit,
            c.mean_interval.0,
            c.mean_interval.1,
            c.second_digit_p_value,
            c.last_digit_p_value,
            100.0 * c.share_zero_or_five
        );
    }
    let o = &r.distribution.overall;
    out += &format!(
        "turnout: skewness {:.2}, kurtosis {:.2}, dip {:.4} (p = {:.3}), correlation with leader's share {:.2}\n",
        o.skewness, o.kurtosis, o.dip, o.dip_p_value, o.turnout_share_correlation
    );
    out
}
