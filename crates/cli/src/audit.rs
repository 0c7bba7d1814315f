//! `kuzet audit verify|show`: check the hash chain of the audit log, or read it.
//!
//! `verify` exits with 3 and names the first broken record when the log was edited, cut or
//! reordered. `show` reads as the system, so it shows restricted fields in the records'
//! before/after values: whoever runs it holds the database file already.

use std::io::Write;
use std::process::ExitCode;

use kuzet_register::{Actor, UserId};
use kuzet_store::{AuditFilter, AuditRecord, AuditVerdict};

use crate::exit::FINDINGS;
use crate::user::{DatabaseArg, find_user, open_store, runtime, store_error};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(clap::Subcommand)]
enum AuditCommand {
    /// Recompute the chain; exit 3 and name the first broken record if it was tampered with.
    Verify {
        #[command(flatten)]
        database: DatabaseArg,
        #[arg(long)]
        json: bool,
    },
    /// Show records, newest first.
    Show {
        #[command(flatten)]
        database: DatabaseArg,
        /// person, detention, decision, custody, transfer, source, event, claim, user, setting.
        #[arg(long)]
        entity: Option<String>,
        /// With --entity: one record's id.
        #[arg(long)]
        entity_id: Option<i64>,
        /// Everything about one person (the person and their facts).
        #[arg(long)]
        person: Option<i64>,
        /// Only changes made by this user.
        #[arg(long, value_name = "USERNAME")]
        actor: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        match args.command {
            AuditCommand::Verify { database, json } => {
                let store = open_store(&database.database, false).await?;
                let verdict = store.verify_audit().await.map_err(store_error);
                store.close().await;
                let verdict = verdict?;
                let mut out = std::io::stdout().lock();
                if json {
                    serde_json::to_writer_pretty(&mut out, &verdict)?;
                    writeln!(out)?;
                }
                match verdict {
                    AuditVerdict::Ok { records } => {
                        if !json {
                            writeln!(out, "audit log intact: {records} records, every hash and link checks")?;
                        }
                        Ok(ExitCode::SUCCESS)
                    }
                    AuditVerdict::Broken { seq, reason } => {
                        if !json {
                            writeln!(out, "audit log BROKEN at record {seq}: {reason}")?;
                        }
                        Ok(ExitCode::from(FINDINGS))
                    }
                }
            }
            AuditCommand::Show { database, entity, entity_id, person, actor, limit, json } => {
                let store = open_store(&database.database, false).await?;
                let records = async {
                    let actor_user_id = match &actor {
                        Some(username) => Some(UserId(find_user(&store, username).await?.id)),
                        None => None,
                    };
                    let filter = AuditFilter {
                        entity,
                        entity_id,
                        person_id: person,
                        actor_user_id,
                        limit: Some(limit),
                        before_seq: None,
                    };
                    store.audit_records(&Actor::system(), &filter).await.map_err(store_error)
                }
                .await;
                store.close().await;
                print_records(&records?, json)?;
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

fn print_records(records: &[AuditRecord], json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, records)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "{:>6}  {:<20}  {:<20}  {:<15}  entity", "seq", "at", "actor", "action")?;
    for record in records {
        let actor = match (&record.actor_username, record.actor_user_id) {
            (Some(name), _) => format!("{name} ({})", record.actor_role),
            (None, Some(id)) => format!("user {id} ({})", record.actor_role),
            (None, None) => "system".to_owned(),
        };
        writeln!(
            out,
            "{:>6}  {:<20}  {:<20}  {:<15}  {} {}",
            record.seq, record.at, actor, record.action, record.entity, record.entity_id
        )?;
    }
    Ok(())
}
