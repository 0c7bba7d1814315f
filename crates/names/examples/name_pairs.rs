//! Writes the name-pair test set to crates/names/tests/data/name-pairs.csv.
//!
//! Run: `cargo run -p kuzet-names --example name_pairs`

fn main() -> std::io::Result<()> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/name-pairs.csv");
    std::fs::write(&path, kuzet_names::synthetic::name_pairs_csv())?;
    println!("wrote {}", path.display());
    Ok(())
}
