//! A counting global allocator: current and peak live heap bytes.
//!
//! The benchmark binaries install it with `#[global_allocator]`; it counts only once
//! [`enable`] has been called (the memory children call it first thing in `main`), so the
//! throughput and decoding benchmarks of the same binary pay one relaxed load per call.

// A global allocator is `unsafe` by nature (the workspace denies `unsafe` elsewhere).
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};

/// `System`, counting live bytes (by requested size) once enabled.
#[derive(Debug)]
pub struct CountingAlloc;

static ENABLED: AtomicBool = AtomicBool::new(false);
static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

/// Starts counting. Blocks allocated before are not counted, and their frees make
/// [`current`] drift down by their size: read figures relative to a baseline.
pub fn enable() {
    ENABLED.store(true, Relaxed);
}

/// Whether counting is on.
pub fn enabled() -> bool {
    ENABLED.load(Relaxed)
}

/// Live bytes now (relative to when counting started).
pub fn current() -> isize {
    CURRENT.load(Relaxed)
}

/// Highest [`current`] since the last [`reset_peak`].
pub fn peak() -> isize {
    PEAK.load(Relaxed)
}

/// Allocations (alloc, alloc_zeroed, realloc) counted so far.
pub fn allocations() -> usize {
    ALLOCATIONS.load(Relaxed)
}

/// Sets the peak to the current value and returns it: the baseline of a measurement.
pub fn reset_peak() -> isize {
    let now = current();
    PEAK.store(now, Relaxed);
    now
}

fn grow(bytes: usize) {
    if ENABLED.load(Relaxed) {
        let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
        let now = CURRENT.fetch_add(bytes, Relaxed).saturating_add(bytes);
        PEAK.fetch_max(now, Relaxed);
        ALLOCATIONS.fetch_add(1, Relaxed);
    }
}

fn shrink(bytes: usize) {
    if ENABLED.load(Relaxed) {
        let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
        CURRENT.fetch_sub(bytes, Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the counters have no effect on
// the memory handed out.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                shrink(layout.size() - new_size);
            }
        }
        new
    }
}
