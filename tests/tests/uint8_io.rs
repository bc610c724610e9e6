//! uint8 graph inputs and outputs (a model converted with
//! `inference_input_type = inference_output_type = tf.uint8`): the API types
//! are `u8` arrays and the quantization constants are the uint8 tensors'.
//! The outputs themselves are checked against TFLM by the conformance suite
//! (`u8_io_*`, `quantize_u8_to_i8_patched`, `quantize_i8_to_u8_patched`).

nn_macro::include_model!(u8_io_conv = "conformance/u8_io_conv/model.tflite");

#[test]
fn uint8_input_and_output_types() {
    let input: u8_io_conv::Input = [[[255u8; 3]; 6]; 6];
    let output: [[[u8; 8]; 6]; 6] = u8_io_conv::infer(&input);
    // RELU with output zero point 0: some outputs above it for a bright input.
    assert!(output.iter().flatten().flatten().any(|&v| v > 0));
    assert_eq!(u8_io_conv::INPUT_QUANT, nn_runtime::Quant { scale: 0.007_837_93, zero_point: 127 });
    assert_eq!(u8_io_conv::OUTPUT_QUANT, nn_runtime::Quant { scale: 0.014_308_036, zero_point: 0 });
    // Quantizing a real input for the uint8 tensor uses the uint8 range.
    assert_eq!(u8_io_conv::INPUT_QUANT.quantize(0.0, 0, 255), 127);
    assert_eq!(u8_io_conv::INPUT_QUANT.quantize(5.0, 0, 255), 255);
    assert_eq!(u8_io_conv::INPUT_QUANT.quantize(-5.0, 0, 255), 0);
}
