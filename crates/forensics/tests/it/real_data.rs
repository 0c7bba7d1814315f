//! The four Russian federal elections (skipped when ../shared/data/ru is absent).
