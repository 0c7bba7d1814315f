//! Reading and checking a volunteers' spreadsheet of 100,000 rows (`kuzet import` before the
//! store writes): decoding, CSV parsing, column mapping and every row parsed into register
//! values, with duplicate detection. The target for the whole import is under 5 s;
//! the store's share is benchmarked in `crates/store/benches/store.rs`.
//!
//! Run: `cargo bench -p kuzet-ingest --bench register_import`

use kuzet_ingest::register_import::{ImportOptions, plan_import_bytes};

fn main() {
    divan::main();
}

const ROWS: usize = 100_000;

/// A synthetic sheet in Russian with `;`, in the shape volunteers keep: every row valid, with
/// a detention, a release, a decision and an article. Names are invented syllable pairs.
fn sheet(encoding_1251: bool) -> Vec<u8> {
    const FIRST: [&str; 20] = [
        "Айбар", "Дамир", "Ерлан", "Жанар", "Кайрат", "Лаура", "Мадина", "Нурлан", "Сауле", "Тимур", "Алия", "Бекзат", "Гаухар",
        "Данияр", "Ерке", "Зарина", "Ильяс", "Камила", "Мирас", "Назым",
    ];
    const LAST: [&str; 10] = ["Тестбек", "Синтет", "Пробай", "Выдум", "Образец", "Макет", "Черновик", "Опыт", "Пример", "Шаблон"];
    let mut text = String::from(
        "ФИО;Дата рождения;Город;Дата задержания;Освобождён;ОВД;Решение суда;Статья;Дата решения;Источник\n",
    );
    for i in 0..ROWS {
        let name = format!("{} {}ов-{}", FIRST[i % 20], LAST[(i / 20) % 10], i / 200);
        let decision = match i % 4 {
            0 => "арест 15 суток",
            1 => "штраф 126250",
            2 => "предупреждение",
            _ => "",
        };
        let (article, decided) = if decision.is_empty() { ("", "") } else { ("ст. 488 КоАП", "10.06.2019") };
        text.push_str(&format!(
            "{name};{};Алматы;09.06.2019 {:02}:{:02};09.06.2019 {:02}:{:02};Бостандыкское РУВД;{decision};{article};{decided};https://example.invalid/post/{i}\n",
            1960 + i % 50,
            12 + i % 6,
            i % 60,
            19 + i % 4,
            i % 60,
        ));
    }
    if encoding_1251 {
        encoding_rs::WINDOWS_1251.encode(&text).0.into_owned()
    } else {
        text.into_bytes()
    }
}

/// 100,000 UTF-8 rows, read and checked.
#[divan::bench(sample_count = 10)]
fn utf8_100k_rows(bencher: divan::Bencher) {
    let bytes = sheet(false);
    bencher.bench(|| {
        let plan = plan_import_bytes("list.csv", &bytes, &ImportOptions::default()).expect("the sheet reads");
        assert_eq!(plan.accepted.len(), ROWS);
        plan
    });
}

/// The same rows saved by Russian-language Excel (Windows-1251).
#[divan::bench(sample_count = 10)]
fn windows_1251_100k_rows(bencher: divan::Bencher) {
    let bytes = sheet(true);
    bencher.bench(|| {
        let plan = plan_import_bytes("list.csv", &bytes, &ImportOptions::default()).expect("the sheet reads");
        assert_eq!(plan.accepted.len(), ROWS);
        plan
    });
}
