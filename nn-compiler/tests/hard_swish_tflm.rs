//! The int8 HARD_SWISH tables the compiler builds against TFLM's outputs for
//! every input byte, under 48 seeded quantizations recorded by
//! `tools/conformance/hard_swish_sweep.py` (scales over six orders of
//! magnitude, any zero points, output scales up to 2^14 times the input's).

use nn_compiler::ops::hard_swish::Params;

#[test]
fn tables_match_tflm_for_every_input() {
    let data = include_str!("data/hard_swish_tflm.txt");
    let mut checked = 0;
    let mut refused = 0;
    for (n, line) in data.lines().enumerate() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 5, "line {n}");
        let scale = |s: &str| f32::from_bits(u32::from_str_radix(s, 16).expect("hex scale"));
        let zp = |s: &str| s.parse::<i32>().expect("zero point");
        let (input, output) = ((scale(f[0]), zp(f[1])), (scale(f[2]), zp(f[3])));
        let want: Vec<i8> =
            (0..256).map(|i| u8::from_str_radix(&f[4][2 * i..2 * i + 2], 16).expect("hex byte") as i8).collect();
        let Ok(params) = Params::new(input, output) else {
            refused += 1;
            continue;
        };
        let table = params.table();
        for (x, &w) in (-128..=127i32).zip(&want) {
            assert_eq!(table[x as u8 as usize], w, "line {n}: input {input:?}, output {output:?}, x = {x}");
        }
        checked += 1;
    }
    assert_eq!((checked, refused), (48, 0));
}
