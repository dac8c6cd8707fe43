#![no_main]

use libfuzzer_sys::fuzz_target;
use txlint_fuzz::targets::{self, Target};

fuzz_target!(|data: &[u8]| {
    if let Some(input) = targets::input_from_bytes(Target::Rust, data) {
        targets::install_panic_hook();
        if let (_, Err(message)) = targets::execute(Target::Rust, &input) {
            panic!("{message}");
        }
    }
});
