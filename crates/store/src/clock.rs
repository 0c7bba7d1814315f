//! The store's clock: the system time, or a manual clock that tests move forward to expire
//! sessions and login throttles without waiting.

use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime};

/// Where the store reads the current time from.
#[derive(Debug, Clone)]
pub struct Clock(Option<Arc<Mutex<OffsetDateTime>>>);

impl Clock {
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands still at `start` until `advance` moves it.
    pub fn manual(start: OffsetDateTime) -> Clock {
        Clock(Some(Arc::new(Mutex::new(start))))
    }

    /// Moves a manual clock forward; does nothing to the system clock.
    pub fn advance(&self, by: Duration) {
        if let Some(now) = &self.0 {
            let mut now = now.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *now += by;
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        match &self.0 {
            None => OffsetDateTime::now_utc(),
            Some(now) => *now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }
}
