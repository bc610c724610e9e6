// The generated API as a user writes it.
nn_macro::include_model!("ui/models/tiny_int8.tflite");
nn_macro::include_model!(named = "ui/models/tiny_int8.tflite", max_ram = 16 * 1024, max_flash = (1 << 20) - 1,);

static mut ARENA: tiny_int8::Arena = tiny_int8::Arena::new();

fn main() {
    let input: tiny_int8::Input = [[[1i8; 3]; 8]; 8];
    let out: tiny_int8::Output = tiny_int8::infer(&input);
    let mut again: [i8; 5] = [0; 5];
    // SAFETY: single-threaded; the only use of the static arena.
    let arena = unsafe { &mut *core::ptr::addr_of_mut!(ARENA) };
    tiny_int8::infer_in(arena, &input, &mut again);
    assert_eq!(out, again);
    assert_eq!(out, named::infer(&input));
    let _: usize = tiny_int8::ARENA_BYTES + tiny_int8::WEIGHT_BYTES;
    let _: u64 = tiny_int8::MACS;
    let q: nn_runtime::Quant = tiny_int8::INPUT_QUANT;
    let _ = q.quantize(0.25, -128, 127);
    let _ = tiny_int8::OUTPUT_QUANT.dequantize(out[0] as i32);
}
