//! The open-file limit: raised to its hard maximum at startup, and the
//! connection cap kept below it with room for the database, mail and logs.

use super::DEFAULT_MAX_CONNECTIONS;

/// Descriptors kept for everything but client connections (database pool,
/// SQLite journal files, SMTP, logs, the listener), at most half the limit.
const RESERVED_FDS: u64 = 256;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (common practice for
/// servers); returns the soft limit in effect, or `None` where it is unknown.
// getrlimit/setrlimit have no safe wrapper in libc (see the SAFETY notes inside).
#[allow(unsafe_code)]
pub(super) fn raise_to_hard_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct we own.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            // An unlimited hard limit is refused by some kernels; 2^20 is Linux's default ceiling.
            let wanted = libc::rlimit {
                rlim_cur: limit.rlim_max.min(1 << 20),
                rlim_max: limit.rlim_max,
            };
            if wanted.rlim_cur > limit.rlim_cur {
                // SAFETY: setrlimit only reads the struct.
                let status = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) };
                if status == 0 {
                    limit.rlim_cur = wanted.rlim_cur;
                }
            }
        }
        // rlim_t is u64 on 64-bit targets, u32 on some 32-bit ones.
        #[allow(clippy::useless_conversion)]
        Some(u64::from(limit.rlim_cur))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The connection cap: the configured one if the open-file limit allows it,
/// else `min(10000, limit − reserve)`.
pub(super) fn max_connections(
    configured: Option<usize>,
    fd_limit: Option<u64>,
) -> Result<usize, String> {
    let Some(limit) = fd_limit else {
        return Ok(configured.unwrap_or(DEFAULT_MAX_CONNECTIONS));
    };
    let reserve = RESERVED_FDS.min(limit / 2);
    let room = usize::try_from(limit - reserve).unwrap_or(usize::MAX);
    match configured {
        None if room == 0 => Err(format!(
            "the open-file limit ({limit}) leaves no room for connections; raise `ulimit -n`"
        )),
        None => Ok(room.min(DEFAULT_MAX_CONNECTIONS)),
        Some(cap) if cap > room => Err(format!(
            "FOXDEN_MAX_CONNECTIONS ({cap}) must stay below the open-file limit ({limit}) \
             minus {reserve} kept for the database, mail and logs; raise `ulimit -n` or lower it"
        )),
        Some(cap) => Ok(cap),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_stays_below_the_open_file_limit() {
        assert_eq!(max_connections(None, Some(1_048_576)), Ok(10_000));
        assert_eq!(max_connections(None, Some(1024)), Ok(768));
        assert_eq!(max_connections(None, Some(100)), Ok(50));
        assert!(max_connections(None, Some(0)).is_err());
        assert_eq!(max_connections(Some(500), Some(1024)), Ok(500));
        assert_eq!(max_connections(Some(768), Some(1024)), Ok(768));
        let too_many = max_connections(Some(769), Some(1024)).unwrap_err();
        assert!(too_many.contains("FOXDEN_MAX_CONNECTIONS"), "{too_many}");
        assert_eq!(max_connections(Some(50_000), None), Ok(50_000));
        assert_eq!(max_connections(None, None), Ok(10_000));
    }

    #[test]
    fn raising_the_limit_never_lowers_it() {
        let soft = raise_to_hard_limit();
        if cfg!(unix) {
            let soft = soft.expect("getrlimit works");
            assert!(soft > 0);
            assert_eq!(raise_to_hard_limit(), Some(soft), "idempotent");
        }
    }
}
