//! Allocation of large sample buffers.
//!
//! A channel-day of `f64` samples is 69 MB; faulting it in as 17,000 4-KiB pages costs more than
//! decoding or the STA/LTA itself. On Linux, buffers of 4 MiB or more are therefore marked for
//! transparent huge pages (`madvise(MADV_HUGEPAGE)`) before first use, as NumPy does for large
//! arrays. This is only a hint to the kernel: no value changes, and failure is ignored.

/// An empty `Vec<f64>` with room for `n` values, huge-page backed when large.
pub(crate) fn with_capacity(n: usize) -> Vec<f64> {
    let mut v: Vec<f64> = Vec::with_capacity(n);
    advise_huge(&mut v, n);
    v
}

/// `n` zeros, huge-page backed when large. `vec![0.0; n]` takes pages the kernel has already
/// zeroed (calloc), so advising before the first write avoids zeroing the memory twice.
pub(crate) fn zeroed(n: usize) -> Vec<f64> {
    let mut v = vec![0.0; n];
    advise_huge(&mut v, n);
    v
}

#[allow(unused_variables)]
fn advise_huge(v: &mut Vec<f64>, n: usize) {
    #[cfg(target_os = "linux")]
    if n.saturating_mul(8) >= 4 << 20 {
        const HUGE: usize = 2 << 20;
        let start = v.as_mut_ptr() as usize;
        let end = start + n * 8;
        // Only whole 2 MiB blocks inside the allocation are advised.
        let a = start.div_ceil(HUGE) * HUGE;
        let b = end / HUGE * HUGE;
        if b > a {
            // SAFETY: [a, b) lies inside the live allocation owned by `v` (capacity n·8 bytes
            // from `start`), and MADV_HUGEPAGE only changes how the kernel backs those pages;
            // it neither reads, writes nor unmaps memory. A failure is harmless (just a hint).
            unsafe {
                libc::madvise(a as *mut libc::c_void, b - a, libc::MADV_HUGEPAGE);
            }
        }
    }
}
