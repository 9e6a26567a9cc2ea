//! Gives back the start-up heap: building the routes and the OpenAPI document
//! allocates and frees about a megabyte that glibc's allocator would otherwise
//! keep (idle RSS 15.9 → 15.0 MiB here; docs/benchmarks.md, run F).

/// Returns free heap pages to the kernel (`malloc_trim`); a no-op elsewhere.
// malloc_trim has no safe wrapper in libc (see the SAFETY note inside).
#[allow(unsafe_code)]
pub(crate) fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim takes no pointers; it only hands free pages of the
        // allocator's own arenas back to the kernel, and is thread-safe.
        let _ = unsafe { libc::malloc_trim(0) };
    }
}
