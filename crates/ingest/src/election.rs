//! Election result tables: the Russian CEC station files and the observers' protocol CSVs.
