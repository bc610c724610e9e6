//! Emits the Rust module for a planned program. The generated code refers
//! only to `::nn_runtime` and `::core`; weights are byte-string statics.

use crate::diag::Diagnostic;
use crate::ir::{Kernel, Program, Requant, Step, Window};
use crate::parse::DType;
use crate::plan::{Loc, Plan};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

/// What the generated module is called and where the model came from.
#[derive(Clone, Debug)]
pub struct EmitOptions {
    /// Module name (a Rust identifier).
    pub module: String,
    /// Absolute path of the model, for `include_bytes!` (so that editing the
    /// model rebuilds the crate).
    pub model_path: String,
    /// The path as the user wrote it, for documentation.
    pub display_path: String,
    /// Compile-time budget for the activation arena, in bytes.
    pub max_ram: Option<u64>,
    /// Compile-time budget for weights and constants, in bytes.
    pub max_flash: Option<u64>,
}

fn lit(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}

fn broadcast_tokens(b: &Option<crate::ir::Broadcast>) -> TokenStream {
    match b {
        Some(b) => {
            let (d, a, bs) = (usizes(&b.dims), usizes(&b.a_strides), usizes(&b.b_strides));
            quote!(::core::option::Option::Some(::nn_runtime::kernels::Broadcast {
                dims: [#(#d),*], a_strides: [#(#a),*], b_strides: [#(#bs),*] }))
        }
        None => quote!(::core::option::Option::None),
    }
}

fn resize_fields(g: &crate::ir::Resize) -> TokenStream {
    let (b, h, w, c) = (lit(g.batches), lit(g.in_h), lit(g.in_w), lit(g.channels));
    quote!(batches: #b, in_h: #h, in_w: #w, channels: #c,)
}

fn lstm_shape(s: &crate::ir::LstmShape) -> TokenStream {
    let (b, t, i, n, tm) = (lit(s.batches), lit(s.time_steps), lit(s.input_dim), lit(s.state_dim), s.time_major);
    quote!(::nn_runtime::kernels::lstm::LstmShape { batches: #b, time_steps: #t, time_major: #tm,
        input_dim: #i, state_dim: #n })
}

/// Zero bytes appended to a convolution filter of `len` bytes and `out_c`
/// rows so that the blocked kernel, which reads each row in steps of 8
/// bytes, stays inside it.
pub fn conv_filter_padding(len: usize, out_c: usize) -> usize {
    let row = len / out_c.max(1);
    row.next_multiple_of(8) - row
}

/// Per unit of a fully connected layer, `bias + input_offset * sum(w)`
/// with wrapping `i32` arithmetic (what the runtime's fast path starts
/// each output from).
fn fc_folded_bias(filter: &[i8], bias: &[i32], out_c: usize, depth: usize, input_offset: i32) -> Vec<i32> {
    (0..out_c)
        .map(|c| {
            let row = filter.get(c * depth..(c + 1) * depth).unwrap_or_default();
            let s = row.iter().fold(0i32, |a, &v| a.wrapping_add(v as i32));
            bias.get(c).copied().unwrap_or(0).wrapping_add(input_offset.wrapping_mul(s))
        })
        .collect()
}

fn usizes(v: &[usize]) -> Vec<Literal> {
    v.iter().map(|&n| lit(n)).collect()
}

fn elem_type(d: DType) -> Option<TokenStream> {
    Some(match d {
        DType::I8 => quote!(i8),
        DType::U8 => quote!(u8),
        DType::I16 => quote!(i16),
        DType::I32 => quote!(i32),
        DType::F32 => quote!(f32),
        _ => return None,
    })
}

/// The public shape of a graph input or output: without a leading batch
/// dimension of 1, at least rank 1.
fn api_shape(shape: &[usize]) -> Vec<usize> {
    let s = if shape.len() > 1 && shape[0] == 1 { &shape[1..] } else { shape };
    if s.is_empty() {
        vec![1]
    } else {
        s.to_vec()
    }
}

fn array_type(elem: &TokenStream, shape: &[usize]) -> TokenStream {
    shape.iter().rev().fold(elem.clone(), |inner, &d| {
        let d = lit(d);
        quote!([#inner; #d])
    })
}

fn zero_value(d: DType, shape: &[usize]) -> TokenStream {
    let zero = if d == DType::F32 { quote!(0.0) } else { quote!(0) };
    shape.iter().rev().fold(zero, |inner, &d| {
        let d = lit(d);
        quote!([#inner; #d])
    })
}

struct Emitter<'p> {
    p: &'p Program,
    plan: &'p Plan,
    statics: Vec<TokenStream>,
    /// Constant operands already emitted.
    constants_emitted: Vec<usize>,
}

impl Emitter<'_> {
    fn bytes_static(&mut self, name: &Ident, bytes: &[u8]) -> TokenStream {
        let n = lit(bytes.len());
        let data = Literal::byte_string(bytes);
        self.statics.push(quote!(static #name: [u8; #n] = *#data;));
        quote!(::nn_runtime::arena::i8s(&#name))
    }

    fn i8_static(&mut self, name: Ident, v: &[i8]) -> TokenStream {
        let bytes: Vec<u8> = v.iter().map(|&x| x as u8).collect();
        self.bytes_static(&name, &bytes)
    }

    fn i32_static(&mut self, name: Ident, v: &[i32]) -> TokenStream {
        let n = lit(v.len());
        self.statics.push(quote!(static #name: [i32; #n] = [#(#v),*];));
        quote!(&#name)
    }

    /// An `i32` table as one little-endian byte-string literal, converted
    /// at compile time (`nn_runtime::arena::i32s_le`): one token instead of
    /// one per value, for tables as long as a layer's units.
    /// A table of one repeated value (a layer whose input zero point is 0
    /// and that has no bias) is `[v; N]`.
    fn i32_bytes_static(&mut self, name: Ident, v: &[i32]) -> TokenStream {
        let n = lit(v.len());
        match v.first() {
            Some(&first) if v.iter().all(|&x| x == first) => {
                self.statics.push(quote!(static #name: [i32; #n] = [#first; #n];));
            }
            _ => {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                let data = Literal::byte_string(&bytes);
                self.statics.push(quote!(static #name: [i32; #n] = ::nn_runtime::arena::i32s_le(#data);));
            }
        }
        quote!(&#name)
    }

    fn i64_static(&mut self, name: Ident, v: &[i64]) -> TokenStream {
        let n = lit(v.len());
        self.statics.push(quote!(static #name: [i64; #n] = [#(#v),*];));
        quote!(&#name)
    }

    fn i16_static(&mut self, name: Ident, v: &[i16]) -> TokenStream {
        let n = lit(v.len());
        self.statics.push(quote!(static #name: [i16; #n] = [#(#v),*];));
        quote!(&#name)
    }

    fn requant_fields(&mut self, i: usize, r: &Requant) -> TokenStream {
        let m = self.i32_static(format_ident!("M{}", i), &r.multiplier);
        let s = self.i32_static(format_ident!("S{}", i), &r.shift);
        let (off, min, max) = (r.output_offset, r.act_min, r.act_max);
        quote!(multiplier: #m, shift: #s, output_offset: #off, act_min: #min, act_max: #max,)
    }

    fn window_fields(w: &Window) -> TokenStream {
        let (b, ih, iw, oh, ow) = (lit(w.batches), lit(w.input.0), lit(w.input.1), lit(w.output.0), lit(w.output.1));
        let (kh, kw, sh, sw) = (lit(w.kernel.0), lit(w.kernel.1), lit(w.stride.0), lit(w.stride.1));
        let (pt, pl) = (lit(w.pad.0), lit(w.pad.1));
        quote!(batches: #b, in_h: #ih, in_w: #iw, out_h: #oh, out_w: #ow, k_h: #kh, k_w: #kw,
               stride_h: #sh, stride_w: #sw, pad_top: #pt, pad_left: #pl,)
    }

    fn svdf_fields(g: &crate::ir::SvdfGeometry) -> TokenStream {
        let (b, n, f, r, m) = (lit(g.batches), lit(g.input_size), lit(g.filters), lit(g.rank), lit(g.memory));
        quote!(batches: #b, input_size: #n, filters: #f, rank: #r, memory: #m,)
    }

    /// The layer's parameter static and the kernel function to call.
    fn layer(&mut self, i: usize, step: &Step) -> (TokenStream, TokenStream) {
        let name = format_ident!("L{}", i);
        let k = quote!(::nn_runtime::kernels);
        let (ty, init, func) = match &step.kernel {
            Kernel::Conv2d { window: w, filter_in_c, input_offset, filter, bias, requant } => {
                // Zero bytes after the last row up to a multiple of 8 of the
                // row length: the blocked kernel reads rows 8 bytes at a time.
                let mut padded = filter.clone();
                padded.resize(filter.len() + conv_filter_padding(filter.len(), w.output.2), 0);
                let f = self.i8_static(format_ident!("W{}", i), &padded);
                let b = self.i32_static(format_ident!("B{}", i), bias);
                // Zero-point sums folded into the bias at compile time.
                let per_oc = filter.len() / w.output.2.max(1);
                let folded: Vec<i32> = (0..w.output.2)
                    .map(|c| {
                        let s: i32 =
                            filter[c * per_oc..(c + 1) * per_oc].iter().fold(0i32, |a, &v| a.wrapping_add(v as i32));
                        bias.get(c).copied().unwrap_or(0).wrapping_add(input_offset.wrapping_mul(s))
                    })
                    .collect();
                let bf = self.i32_static(format_ident!("BF{}", i), &folded);
                let rq = self.requant_fields(i, requant);
                let geo = Self::window_fields(w);
                let (ic, oc, fic) = (lit(w.input.2), lit(w.output.2), lit(*filter_in_c));
                let (dh, dw) = (lit(w.dilation.0), lit(w.dilation.1));
                (
                    quote!(#k::conv_2d::Conv2d<'static>),
                    quote!(#k::conv_2d::Conv2d { #geo in_c: #ic, out_c: #oc, filter_in_c: #fic,
                        dilation_h: #dh, dilation_w: #dw, input_offset: #input_offset,
                        filter: #f, bias: #b, bias_folded: #bf, #rq }),
                    quote!(#k::conv_2d::conv_2d_portable),
                )
            }
            Kernel::DepthwiseConv2d { window: w, depth_multiplier, input_offset, filter, bias, requant } => {
                let f = self.i8_static(format_ident!("W{}", i), filter);
                let b = self.i32_static(format_ident!("B{}", i), bias);
                let rq = self.requant_fields(i, requant);
                let geo = Self::window_fields(w);
                let (ic, dm) = (lit(w.input.2), lit(*depth_multiplier));
                let (dh, dw) = (lit(w.dilation.0), lit(w.dilation.1));
                (
                    quote!(#k::depthwise_conv_2d::DepthwiseConv2d<'static>),
                    quote!(#k::depthwise_conv_2d::DepthwiseConv2d { #geo in_c: #ic, depth_multiplier: #dm,
                        dilation_h: #dh, dilation_w: #dw, input_offset: #input_offset,
                        filter: #f, bias: #b, #rq }),
                    quote!(#k::depthwise_conv_2d::depthwise_conv_2d_portable),
                )
            }
            Kernel::Conv2dF32 { window: w, filter_in_c, filter, bias, act: (lo, hi) } => {
                let (fname, bname) = (format_ident!("W{}", i), format_ident!("B{}", i));
                let (fl, bl) = (lit(filter.len()), lit(bias.len()));
                let (fd, bd) = (Literal::byte_string(filter), Literal::byte_string(bias));
                self.statics.push(quote!(static #fname: [u8; #fl] = *#fd; static #bname: [u8; #bl] = *#bd;));
                let geo = Self::window_fields(w);
                let (ic, oc, fic) = (lit(w.input.2), lit(w.output.2), lit(*filter_in_c));
                let (dh, dw) = (lit(w.dilation.0), lit(w.dilation.1));
                (
                    quote!(#k::conv_2d::Conv2dF32<'static>),
                    quote!(#k::conv_2d::Conv2dF32 { #geo in_c: #ic, out_c: #oc, filter_in_c: #fic,
                        dilation_h: #dh, dilation_w: #dw, act_min: #lo, act_max: #hi, filter: &#fname, bias: &#bname }),
                    quote!(#k::conv_2d::conv_2d_f32),
                )
            }
            Kernel::DepthwiseConv2dF32 { window: w, depth_multiplier, filter, bias, act: (lo, hi) } => {
                let (fname, bname) = (format_ident!("W{}", i), format_ident!("B{}", i));
                let (fl, bl) = (lit(filter.len()), lit(bias.len()));
                let (fd, bd) = (Literal::byte_string(filter), Literal::byte_string(bias));
                self.statics.push(quote!(static #fname: [u8; #fl] = *#fd; static #bname: [u8; #bl] = *#bd;));
                let geo = Self::window_fields(w);
                let (ic, dm) = (lit(w.input.2), lit(*depth_multiplier));
                let (dh, dw) = (lit(w.dilation.0), lit(w.dilation.1));
                (
                    quote!(#k::depthwise_conv_2d::DepthwiseConv2dF32<'static>),
                    quote!(#k::depthwise_conv_2d::DepthwiseConv2dF32 { #geo in_c: #ic, depth_multiplier: #dm,
                        dilation_h: #dh, dilation_w: #dw, act_min: #lo, act_max: #hi, filter: &#fname, bias: &#bname }),
                    quote!(#k::depthwise_conv_2d::depthwise_conv_2d_f32),
                )
            }
            Kernel::FullyConnected { batches, depth, out_c, input_offset, filter_offset, filter, bias, requant } => {
                let f = self.i8_static(format_ident!("W{}", i), filter);
                let b = self.i32_static(format_ident!("B{}", i), bias);
                // The zero-point sums folded into the bias at compile time
                // (int8 weights have no filter offset; else the kernel's
                // reference path runs).
                let bf = if *filter_offset == 0 {
                    let folded = fc_folded_bias(filter, bias, *out_c, *depth, *input_offset);
                    self.i32_bytes_static(format_ident!("BF{}", i), &folded)
                } else {
                    quote!(&[])
                };
                let rq = self.requant_fields(i, requant);
                let (bt, d, oc) = (lit(*batches), lit(*depth), lit(*out_c));
                (
                    quote!(#k::fully_connected::FullyConnected<'static>),
                    quote!(#k::fully_connected::FullyConnected { batches: #bt, depth: #d, out_c: #oc,
                        input_offset: #input_offset, filter_offset: #filter_offset, filter: #f, bias: #b,
                        bias_folded: #bf, #rq }),
                    quote!(#k::fully_connected::fully_connected),
                )
            }
            Kernel::BatchMatMul {
                dtype,
                batch_dims,
                lhs_batch_strides,
                rhs_batch_strides,
                mkn: (m, n, depth),
                lhs_strides: (lr, ld),
                rhs_strides: (rd, rc),
                input_offsets: (lo, ro),
                output_offset,
                multiplier: (mult, shift),
            } => {
                let (bd, ls, rs) = (usizes(batch_dims), usizes(lhs_batch_strides), usizes(rhs_batch_strides));
                let (m, n, depth, lr, ld, rd, rc) =
                    (lit(*m), lit(*n), lit(*depth), lit(*lr), lit(*ld), lit(*rd), lit(*rc));
                let func = match dtype {
                    DType::I16 => quote!(#k::batch_matmul::batch_matmul_i16),
                    DType::F32 => quote!(#k::batch_matmul::batch_matmul_f32),
                    _ => quote!(#k::batch_matmul::batch_matmul_i8),
                };
                (
                    quote!(#k::batch_matmul::BatchMatMul),
                    quote!(#k::batch_matmul::BatchMatMul { batch_dims: [#(#bd),*], lhs_batch_strides: [#(#ls),*],
                        rhs_batch_strides: [#(#rs),*], rows: #m, cols: #n, depth: #depth,
                        lhs_row_stride: #lr, lhs_depth_stride: #ld, rhs_depth_stride: #rd, rhs_col_stride: #rc,
                        lhs_offset: #lo, rhs_offset: #ro, output_offset: #output_offset,
                        multiplier: #mult, shift: #shift }),
                    func,
                )
            }
            Kernel::Arithmetic {
                sub,
                input_offsets: (o1, o2),
                left_shift,
                multipliers,
                output_offset,
                act: (lo, hi),
                broadcast,
                tables,
                ..
            } => {
                let [(m1, s1), (m2, s2), (mo, so)] = *multipliers;
                let bc = broadcast_tokens(broadcast);
                let func = if *sub { quote!(#k::sub::sub) } else { quote!(#k::add::add) };
                let tables = if *tables {
                    // The same tables the runtime would build, filled here
                    // by its own code and placed in flash.
                    let t = nn_runtime::kernels::add::Int8Tables::new(&nn_runtime::kernels::add::Arithmetic {
                        input1_offset: *o1,
                        input2_offset: *o2,
                        output_offset: *output_offset,
                        left_shift: *left_shift,
                        input1_multiplier: m1,
                        input1_shift: s1,
                        input2_multiplier: m2,
                        input2_shift: s2,
                        output_multiplier: mo,
                        output_shift: so,
                        act_min: *lo,
                        act_max: *hi,
                        broadcast: None,
                        tables: None,
                    });
                    let tname = format_ident!("T{}", i);
                    let (first, second) = (&t.first, &t.second);
                    let constant = match t.constant {
                        Some(c) => quote!(Some(#c)),
                        None => quote!(None),
                    };
                    self.statics.push(quote!(static #tname: #k::add::Int8Tables = #k::add::Int8Tables {
                        first: [#(#first),*], second: [#(#second),*], constant: #constant };));
                    quote!(Some(&#tname))
                } else {
                    quote!(None)
                };
                (
                    quote!(#k::add::Arithmetic<'static>),
                    quote!(#k::add::Arithmetic { input1_offset: #o1, input2_offset: #o2, output_offset: #output_offset,
                        left_shift: #left_shift, input1_multiplier: #m1, input1_shift: #s1,
                        input2_multiplier: #m2, input2_shift: #s2, output_multiplier: #mo, output_shift: #so,
                        act_min: #lo, act_max: #hi, broadcast: #bc, tables: #tables }),
                    func,
                )
            }
            Kernel::FullyConnectedF32 { batches, depth, out_c, filter, bias, act: (lo, hi) } => {
                let (fname, bname) = (format_ident!("W{}", i), format_ident!("B{}", i));
                let (fl, bl) = (lit(filter.len()), lit(bias.len()));
                let (fd, bd) = (Literal::byte_string(filter), Literal::byte_string(bias));
                self.statics.push(quote!(static #fname: [u8; #fl] = *#fd; static #bname: [u8; #bl] = *#bd;));
                let (bt, d, oc) = (lit(*batches), lit(*depth), lit(*out_c));
                (
                    quote!(#k::fully_connected::FullyConnectedF32<'static>),
                    quote!(#k::fully_connected::FullyConnectedF32 { batches: #bt, depth: #d, out_c: #oc,
                        act_min: #lo, act_max: #hi, filter: &#fname, bias: &#bname }),
                    quote!(#k::fully_connected::fully_connected_f32),
                )
            }
            Kernel::Svdf {
                geometry: g,
                zero_points: (zi, zs, zo),
                feature_multiplier: (m1, s1),
                time_multiplier: (m2, s2),
                weights_feature,
                weights_time,
                bias,
                ..
            } => {
                let wf = self.i8_static(format_ident!("W{}", i), weights_feature);
                let tname = format_ident!("T{}", i);
                let (tl, td) = (lit(weights_time.len()), Literal::byte_string(weights_time));
                self.statics.push(quote!(static #tname: [u8; #tl] = *#td;));
                let b = self.i32_static(format_ident!("B{}", i), bias);
                let geo = Self::svdf_fields(g);
                (
                    quote!(#k::svdf::Svdf<'static>),
                    quote!(#k::svdf::Svdf { #geo input_zero_point: #zi, state_zero_point: #zs,
                        output_zero_point: #zo, feature_multiplier: (#m1, #s1), time_multiplier: (#m2, #s2),
                        weights_feature: #wf, weights_time: &#tname, bias: #b }),
                    quote!(#k::svdf::svdf),
                )
            }
            Kernel::SvdfF32 { geometry: g, activation, weights_feature, weights_time, bias } => {
                let names = [format_ident!("W{}", i), format_ident!("T{}", i), format_ident!("B{}", i)];
                for (name, data) in names.iter().zip([weights_feature, weights_time, bias]) {
                    let (l, d) = (lit(data.len()), Literal::byte_string(data));
                    self.statics.push(quote!(static #name: [u8; #l] = *#d;));
                }
                let [wf, wt, b] = names;
                let geo = Self::svdf_fields(g);
                let act = match activation {
                    crate::parse::Activation::Relu => quote!(Relu),
                    crate::parse::Activation::ReluN1To1 => quote!(ReluN1To1),
                    crate::parse::Activation::Relu6 => quote!(Relu6),
                    _ => quote!(None),
                };
                (
                    quote!(#k::svdf::SvdfF32<'static>),
                    quote!(#k::svdf::SvdfF32 { #geo activation: #k::svdf::ActivationF32::#act,
                        weights_feature: &#wf, weights_time: &#wt, bias: &#b }),
                    quote!(#k::svdf::svdf_f32),
                )
            }
            Kernel::Mul {
                input_offsets: (o1, o2),
                output_offset,
                multiplier: (m, s),
                act: (lo, hi),
                broadcast,
                ..
            } => {
                let bc = broadcast_tokens(broadcast);
                (
                    quote!(#k::mul::Mul),
                    quote!(#k::mul::Mul { input1_offset: #o1, input2_offset: #o2, output_offset: #output_offset,
                        multiplier: #m, shift: #s, act_min: #lo, act_max: #hi, broadcast: #bc }),
                    quote!(#k::mul::mul),
                )
            }
            Kernel::Mean { kept, reduced, count, zero_points: (zi, zo), multiplier: (m, s), .. } => {
                let (kd, ks, rd, rs) = (usizes(&kept.0), usizes(&kept.1), usizes(&reduced.0), usizes(&reduced.1));
                (
                    quote!(#k::mean::Reduce),
                    quote!(#k::mean::Reduce { kept_dims: [#(#kd),*], kept_strides: [#(#ks),*],
                        reduced_dims: [#(#rd),*], reduced_strides: [#(#rs),*], count: #count,
                        input_zero_point: #zi, output_zero_point: #zo, multiplier: #m, shift: #s }),
                    quote!(#k::mean::mean),
                )
            }
            Kernel::ReduceF32 { kept, reduced, count, mean } => {
                let (kd, ks, rd, rs) = (usizes(&kept.0), usizes(&kept.1), usizes(&reduced.0), usizes(&reduced.1));
                let count = lit(*count);
                (
                    quote!(#k::mean::ReduceF32),
                    quote!(#k::mean::ReduceF32 { kept_dims: [#(#kd),*], kept_strides: [#(#ks),*],
                        reduced_dims: [#(#rd),*], reduced_strides: [#(#rs),*], count: #count, mean: #mean }),
                    quote!(#k::mean::mean_f32),
                )
            }
            Kernel::Relu { input_offset, output_offset, multiplier: (m, s), act: (lo, hi), .. } => (
                quote!(#k::relu::Relu),
                quote!(#k::relu::Relu { input_offset: #input_offset, output_offset: #output_offset,
                    multiplier: #m, shift: #s, act_min: #lo, act_max: #hi }),
                quote!(#k::relu::relu),
            ),
            Kernel::Relu6 { bounds: (lo, hi), .. } => {
                (quote!(#k::relu::Relu6), quote!(#k::relu::Relu6 { lower: #lo, upper: #hi }), quote!(#k::relu::relu6))
            }
            Kernel::MaximumMinimum { maximum, broadcast, .. } => {
                let bc = broadcast_tokens(broadcast);
                let func =
                    if *maximum { quote!(#k::maximum_minimum::maximum) } else { quote!(#k::maximum_minimum::minimum) };
                (quote!(::core::option::Option<#k::Broadcast>), bc, func)
            }
            Kernel::Conv2d16x8 { window: w, filter_in_c, filter, bias, requant } => {
                let f = self.i8_static(format_ident!("W{}", i), filter);
                let b = self.i64_static(format_ident!("B{}", i), bias);
                let rq = self.requant_fields(i, requant);
                let geo = Self::window_fields(w);
                let (ic, oc, fic) = (lit(w.input.2), lit(w.output.2), lit(*filter_in_c));
                let (dh, dw) = (lit(w.dilation.0), lit(w.dilation.1));
                (
                    quote!(#k::conv_2d::Conv2d<'static, i64>),
                    quote!(#k::conv_2d::Conv2d { #geo in_c: #ic, out_c: #oc, filter_in_c: #fic,
                        dilation_h: #dh, dilation_w: #dw, input_offset: 0,
                        filter: #f, bias: #b, bias_folded: &[], #rq }),
                    quote!(#k::conv_2d::conv_2d_16x8),
                )
            }
            Kernel::TransposeConvF32 { window: w, filter, bias, act: (lo, hi) } => {
                let (fname, bname) = (format_ident!("W{}", i), format_ident!("B{}", i));
                let (fl, bl) = (lit(filter.len()), lit(bias.len()));
                let (fd, bd) = (Literal::byte_string(filter), Literal::byte_string(bias));
                self.statics.push(quote!(static #fname: [u8; #fl] = *#fd; static #bname: [u8; #bl] = *#bd;));
                let (bt, ih, iw, ic) = (lit(w.batches), lit(w.input.0), lit(w.input.1), lit(w.input.2));
                let (oh, ow, oc) = (lit(w.output.0), lit(w.output.1), lit(w.output.2));
                let (kh, kw, sh, sw) = (lit(w.kernel.0), lit(w.kernel.1), lit(w.stride.0), lit(w.stride.1));
                let (pt, pl) = (lit(w.pad.0), lit(w.pad.1));
                (
                    quote!(#k::transpose_conv::TransposeConvF32<'static>),
                    quote!(#k::transpose_conv::TransposeConvF32 { batches: #bt, in_h: #ih, in_w: #iw, in_c: #ic,
                        out_h: #oh, out_w: #ow, out_c: #oc, k_h: #kh, k_w: #kw, stride_h: #sh, stride_w: #sw,
                        pad_top: #pt, pad_left: #pl, act_min: #lo, act_max: #hi, filter: &#fname, bias: &#bname }),
                    quote!(#k::transpose_conv::transpose_conv_f32),
                )
            }
            Kernel::DepthwiseConv2d16x8 { window: w, depth_multiplier, filter, bias, requant } => {
                let f = self.i8_static(format_ident!("W{}", i), filter);
                let b = self.i64_static(format_ident!("B{}", i), bias);
                let rq = self.requant_fields(i, requant);
                let geo = Self::window_fields(w);
                let (ic, dm) = (lit(w.input.2), lit(*depth_multiplier));
                let (dh, dw) = (lit(w.dilation.0), lit(w.dilation.1));
                (
                    quote!(#k::depthwise_conv_2d::DepthwiseConv2d<'static, i64>),
                    quote!(#k::depthwise_conv_2d::DepthwiseConv2d { #geo in_c: #ic, depth_multiplier: #dm,
                        dilation_h: #dh, dilation_w: #dw, input_offset: 0,
                        filter: #f, bias: #b, #rq }),
                    quote!(#k::depthwise_conv_2d::depthwise_conv_2d_16x8),
                )
            }
            Kernel::FullyConnected16x8 { batches, depth, out_c, filter, bias, requant } => {
                let f = self.i8_static(format_ident!("W{}", i), filter);
                let b = self.i64_static(format_ident!("B{}", i), bias);
                let rq = self.requant_fields(i, requant);
                let (bt, d, oc) = (lit(*batches), lit(*depth), lit(*out_c));
                (
                    quote!(#k::fully_connected::FullyConnected<'static, i64>),
                    quote!(#k::fully_connected::FullyConnected { batches: #bt, depth: #d, out_c: #oc,
                        input_offset: 0, filter_offset: 0, filter: #f, bias: #b, bias_folded: &[], #rq }),
                    quote!(#k::fully_connected::fully_connected_16x8),
                )
            }
            Kernel::TransposeConv { dtype, window: w, input_offset, filter, bias, requant } => {
                let f = self.i8_static(format_ident!("W{}", i), filter);
                let wide = *dtype == DType::I16;
                let b = if wide {
                    self.i64_static(format_ident!("B{}", i), bias)
                } else {
                    let b32: Vec<i32> = bias.iter().map(|&v| v as i32).collect();
                    self.i32_static(format_ident!("B{}", i), &b32)
                };
                let rq = self.requant_fields(i, requant);
                let (b_ty, func) = if wide {
                    (quote!(i64), quote!(#k::transpose_conv::transpose_conv_16x8))
                } else {
                    (quote!(i32), quote!(#k::transpose_conv::transpose_conv))
                };
                let (bt, ih, iw, ic) = (lit(w.batches), lit(w.input.0), lit(w.input.1), lit(w.input.2));
                let (oh, ow, oc) = (lit(w.output.0), lit(w.output.1), lit(w.output.2));
                let (kh, kw, sh, sw) = (lit(w.kernel.0), lit(w.kernel.1), lit(w.stride.0), lit(w.stride.1));
                let (pt, pl) = (lit(w.pad.0), lit(w.pad.1));
                (
                    quote!(#k::transpose_conv::TransposeConv<'static, #b_ty>),
                    quote!(#k::transpose_conv::TransposeConv { batches: #bt, in_h: #ih, in_w: #iw, in_c: #ic,
                        out_h: #oh, out_w: #ow, out_c: #oc, k_h: #kh, k_w: #kw, stride_h: #sh, stride_w: #sw,
                        pad_top: #pt, pad_left: #pl, input_offset: #input_offset,
                        filter: #f, bias: #b, #rq }),
                    func,
                )
            }
            Kernel::LeakyRelu {
                input_offset,
                output_offset,
                identity: (mi, si),
                alpha: (ma, sa),
                alpha_negative,
                ..
            } => (
                quote!(#k::leaky_relu::LeakyRelu),
                quote!(#k::leaky_relu::LeakyRelu { input_offset: #input_offset, output_offset: #output_offset,
                    multiplier_identity: #mi, shift_identity: #si, multiplier_alpha: #ma, shift_alpha: #sa,
                    alpha_negative: #alpha_negative }),
                quote!(#k::leaky_relu::leaky_relu),
            ),
            Kernel::Prelu {
                input_offset,
                alpha_offset,
                output_offset,
                identity: (mi, si),
                alpha: (ma, sa),
                broadcast,
            } => {
                let bc = broadcast_tokens(broadcast);
                (
                    quote!(#k::prelu::Prelu),
                    quote!(#k::prelu::Prelu { input_offset: #input_offset, alpha_offset: #alpha_offset,
                        output_offset: #output_offset, multiplier_identity: #mi, shift_identity: #si,
                        multiplier_alpha: #ma, shift_alpha: #sa, broadcast: #bc }),
                    quote!(#k::prelu::prelu),
                )
            }
            Kernel::BinaryF32 { kind, act: (lo, hi), broadcast } => {
                let kind = match kind {
                    crate::ir::BinaryF32::Add => quote!(Add),
                    crate::ir::BinaryF32::Sub => quote!(Sub),
                    crate::ir::BinaryF32::Mul => quote!(Mul),
                };
                let bc = broadcast_tokens(broadcast);
                (
                    quote!(#k::add::BinaryF32),
                    quote!(#k::add::BinaryF32 { op: #k::add::BinaryOpF32::#kind, act_min: #lo, act_max: #hi,
                        broadcast: #bc }),
                    quote!(#k::add::binary_f32),
                )
            }
            Kernel::PreluF32 { broadcast } => (
                quote!(::core::option::Option<#k::Broadcast>),
                broadcast_tokens(broadcast),
                quote!(#k::prelu::prelu_f32),
            ),
            Kernel::HardSwish { table } => (
                quote!(#k::hard_swish::HardSwish),
                quote!(#k::hard_swish::HardSwish { table: [#(#table),*] }),
                quote!(#k::hard_swish::hard_swish),
            ),
            Kernel::HardSwishF32 => (quote!(()), quote!(()), quote!(#k::hard_swish::hard_swish_f32)),
            Kernel::UnaryF32 { kind } => {
                let init = match kind {
                    crate::ir::UnaryF32::Relu => quote!(#k::relu::UnaryF32::Relu),
                    crate::ir::UnaryF32::Relu6 => quote!(#k::relu::UnaryF32::Relu6),
                    crate::ir::UnaryF32::LeakyRelu(alpha) => quote!(#k::relu::UnaryF32::LeakyRelu(#alpha)),
                };
                (quote!(#k::relu::UnaryF32), init, quote!(#k::relu::unary_f32))
            }
            Kernel::ResizeNearest { dtype, geometry, rows, cols } => {
                let elem = elem_type(*dtype).unwrap_or_else(|| quote!(i8));
                let geo = resize_fields(geometry);
                let (rn, cn) = (format_ident!("R{}", i), format_ident!("C{}", i));
                let (rl, cl, rv, cv) = (lit(rows.len()), lit(cols.len()), usizes(rows), usizes(cols));
                self.statics
                    .push(quote!(static #rn: [usize; #rl] = [#(#rv),*]; static #cn: [usize; #cl] = [#(#cv),*];));
                (
                    quote!(#k::resize::ResizeNearest<'static>),
                    quote!(#k::resize::ResizeNearest { #geo rows: &#rn, cols: &#cn }),
                    quote!(#k::resize::resize_nearest::<#elem>),
                )
            }
            Kernel::ResizeBilinear { geometry, rows, cols } => {
                let geo = resize_fields(geometry);
                let lerp = |l: &crate::ir::Lerp| {
                    let (lo, hi, w) = (lit(l.lo), lit(l.hi), l.weight);
                    quote!(#k::resize::Lerp { lo: #lo, hi: #hi, weight: #w })
                };
                let (rv, cv): (Vec<_>, Vec<_>) = (rows.iter().map(lerp).collect(), cols.iter().map(lerp).collect());
                let (rn, cn) = (format_ident!("R{}", i), format_ident!("C{}", i));
                let (rl, cl) = (lit(rows.len()), lit(cols.len()));
                self.statics.push(quote!(static #rn: [#k::resize::Lerp; #rl] = [#(#rv),*];
                    static #cn: [#k::resize::Lerp; #cl] = [#(#cv),*];));
                (
                    quote!(#k::resize::ResizeBilinear<'static>),
                    quote!(#k::resize::ResizeBilinear { #geo rows: &#rn, cols: &#cn }),
                    quote!(#k::resize::resize_bilinear),
                )
            }
            Kernel::ResizeBilinearF32 { geometry, rows, cols } => {
                let geo = resize_fields(geometry);
                let lerp = |l: &crate::ir::LerpF32| {
                    let (lo, hi, f) = (lit(l.lo), lit(l.hi), l.frac.to_bits());
                    quote!(#k::resize::LerpF32 { lo: #lo, hi: #hi, frac: f32::from_bits(#f) })
                };
                let (rv, cv): (Vec<_>, Vec<_>) = (rows.iter().map(lerp).collect(), cols.iter().map(lerp).collect());
                let (rn, cn) = (format_ident!("R{}", i), format_ident!("C{}", i));
                let (rl, cl) = (lit(rows.len()), lit(cols.len()));
                self.statics.push(quote!(static #rn: [#k::resize::LerpF32; #rl] = [#(#rv),*];
                    static #cn: [#k::resize::LerpF32; #cl] = [#(#cv),*];));
                (
                    quote!(#k::resize::ResizeBilinear<'static, #k::resize::LerpF32>),
                    quote!(#k::resize::ResizeBilinear { #geo rows: &#rn, cols: &#cn }),
                    quote!(#k::resize::resize_bilinear_f32),
                )
            }
            Kernel::LogisticTanh { tanh, dtype, table, int16: (m, s) } => {
                let module = if *tanh { format_ident!("tanh") } else { format_ident!("logistic") };
                let name = if *tanh { "tanh" } else { "logistic" };
                match dtype {
                    DType::I8 => (quote!([i8; 256]), quote!([#(#table),*]), {
                        let f = format_ident!("{}_i8", name);
                        quote!(#k::#module::#f)
                    }),
                    DType::I16 => (
                        quote!(#k::logistic::Int16Activation),
                        quote!(#k::logistic::Int16Activation { input_multiplier: #m, input_left_shift: #s }),
                        {
                            let f = format_ident!("{}_i16", name);
                            quote!(#k::#module::#f)
                        },
                    ),
                    _ => (quote!(()), quote!(()), {
                        let f = format_ident!("{}_f32", name);
                        quote!(#k::#module::#f)
                    }),
                }
            }
            Kernel::LstmI8 {
                shape,
                gates,
                input_multiplier,
                recurrent_multiplier,
                forget_cell_multiplier: (fm, fs),
                input_cell_multiplier: (im, is),
                hidden_multiplier: (hm, hs),
                hidden_zero_point,
                cell_clip,
                cell_tanh: (tm, ts),
            } => {
                let (mut wi, mut wr, mut bi, mut br) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                for g in 0..4 {
                    wi.push(self.bytes_static(&format_ident!("W{}_{}", i, g), &gates.input_weights[g]));
                    wr.push(self.bytes_static(&format_ident!("R{}_{}", i, g), &gates.recurrent_weights[g]));
                    bi.push(self.i32_static(format_ident!("B{}_{}", i, g), &gates.input_bias[g]));
                    br.push(self.i32_static(format_ident!("C{}_{}", i, g), &gates.recurrent_bias[g]));
                }
                let pairs =
                    |v: &[(i32, i32)]| -> Vec<TokenStream> { v.iter().map(|(m, s)| quote!((#m, #s))).collect() };
                let (mi, mr) = (pairs(input_multiplier), pairs(recurrent_multiplier));
                let clip = match cell_clip {
                    Some(c) => quote!(::core::option::Option::Some(#c)),
                    None => quote!(::core::option::Option::None),
                };
                let sh = lstm_shape(shape);
                (
                    quote!(#k::lstm::LstmI8<'static>),
                    quote!(#k::lstm::LstmI8 { shape: #sh, input_weights: [#(#wi),*], recurrent_weights: [#(#wr),*],
                        input_bias: [#(#bi),*], recurrent_bias: [#(#br),*],
                        input_multiplier: [#(#mi),*], recurrent_multiplier: [#(#mr),*],
                        forget_cell_multiplier: (#fm, #fs), input_cell_multiplier: (#im, #is),
                        hidden_multiplier: (#hm, #hs), hidden_zero_point: #hidden_zero_point,
                        cell_clip: #clip, cell_tanh: (#tm, #ts) }),
                    quote!(#k::lstm::lstm_i8),
                )
            }
            Kernel::LstmF32 { shape, gates, cell_clip } => {
                let mut refs = Vec::new();
                for (prefix, list) in [("W", &gates.input_weights), ("R", &gates.recurrent_weights), ("B", &gates.bias)]
                {
                    let mut v = Vec::new();
                    for (g, bytes) in list.iter().enumerate() {
                        let name = format_ident!("{}{}_{}", prefix, i, g);
                        let (n, data) = (lit(bytes.len()), Literal::byte_string(bytes));
                        self.statics.push(quote!(static #name: [u8; #n] = *#data;));
                        v.push(quote!(&#name));
                    }
                    refs.push(v);
                }
                let (wi, wr, b) = (&refs[0], &refs[1], &refs[2]);
                let clip = match cell_clip {
                    Some(c) => quote!(::core::option::Option::Some(#c)),
                    None => quote!(::core::option::Option::None),
                };
                let sh = lstm_shape(shape);
                (
                    quote!(#k::lstm::LstmF32<'static>),
                    quote!(#k::lstm::LstmF32 { shape: #sh, input_weights: [#(#wi),*], recurrent_weights: [#(#wr),*],
                        bias: [#(#b),*], cell_clip: #clip }),
                    quote!(#k::lstm::lstm_f32),
                )
            }
            Kernel::Pad { dtype, in_dims, before, out_dims, value } => {
                let elem = elem_type(*dtype).unwrap_or_else(|| quote!(i8));
                let (a, b, c) = (usizes(in_dims), usizes(before), usizes(out_dims));
                let v = if *dtype == DType::F32 {
                    let bits = Literal::u32_suffixed(*value as u32);
                    quote!(f32::from_bits(#bits))
                } else {
                    let v = Literal::i64_unsuffixed(*value);
                    quote!(#v)
                };
                (
                    quote!(#k::pad::Pad<#elem>),
                    quote!(#k::pad::Pad { in_dims: [#(#a),*], before: [#(#b),*], out_dims: [#(#c),*], value: #v }),
                    quote!(#k::pad::pad),
                )
            }
            Kernel::CopyWindow { start, count, out_strides, .. } => {
                let (a, b, c) = (usizes(start), usizes(count), usizes(out_strides));
                (
                    quote!(#k::strided_slice::CopyWindow),
                    quote!(#k::strided_slice::CopyWindow { start: [#(#a),*], count: [#(#b),*],
                        out_strides: [#(#c),*] }),
                    quote!(#k::strided_slice::copy_window),
                )
            }
            Kernel::StridedSlice { start, stride, count, in_strides, .. } => {
                let st = start.iter().map(|&v| Literal::i64_unsuffixed(v as i64));
                let sd = stride.iter().map(|&v| Literal::i64_unsuffixed(v as i64));
                let (c, s) = (usizes(count), usizes(in_strides));
                (
                    quote!(#k::strided_slice::StridedSlice),
                    quote!(#k::strided_slice::StridedSlice { start: [#(#st),*], stride: [#(#sd),*],
                        count: [#(#c),*], in_strides: [#(#s),*] }),
                    quote!(#k::strided_slice::strided_slice),
                )
            }
            Kernel::AveragePool2d { window: w, act: (lo, hi) } | Kernel::MaxPool2d { window: w, act: (lo, hi) } => {
                let geo = Self::window_fields(w);
                let c = lit(w.input.2);
                let func = if matches!(step.kernel, Kernel::AveragePool2d { .. }) {
                    quote!(#k::average_pool_2d::average_pool_2d)
                } else {
                    quote!(#k::max_pool_2d::max_pool_2d)
                };
                (quote!(#k::Pool2d), quote!(#k::Pool2d { #geo channels: #c, act_min: #lo, act_max: #hi }), func)
            }
            Kernel::Pool2dF32 { window: w, average, act: (lo, hi) } => {
                let geo = Self::window_fields(w);
                let c = lit(w.input.2);
                let func = if *average {
                    quote!(#k::average_pool_2d::average_pool_2d_f32)
                } else {
                    quote!(#k::max_pool_2d::max_pool_2d_f32)
                };
                (
                    quote!(#k::Pool2dF32),
                    quote!(#k::Pool2dF32 { pool: #k::Pool2d { #geo channels: #c, act_min: 0, act_max: 0 },
                        act_min: #lo, act_max: #hi }),
                    func,
                )
            }
            Kernel::Softmax { rows, depth, input_multiplier, input_left_shift, diff_min } => {
                let (r, d) = (lit(*rows), lit(*depth));
                (
                    quote!(#k::softmax::Softmax),
                    quote!(#k::softmax::Softmax { rows: #r, depth: #d, input_multiplier: #input_multiplier,
                        input_left_shift: #input_left_shift, diff_min: #diff_min }),
                    quote!(#k::softmax::softmax),
                )
            }
            Kernel::SoftmaxI16 {
                rows,
                depth,
                input_multiplier,
                input_left_shift,
                exp_lut,
                one_over_one_plus_x_lut,
            } => {
                let (r, d) = (lit(*rows), lit(*depth));
                let e = self.i16_static(format_ident!("E{}", i), exp_lut);
                let o = self.i16_static(format_ident!("R{}", i), one_over_one_plus_x_lut);
                (
                    quote!(#k::softmax::SoftmaxI16<'static>),
                    quote!(#k::softmax::SoftmaxI16 { rows: #r, depth: #d, input_multiplier: #input_multiplier,
                        input_left_shift: #input_left_shift, exp_lut: #e, one_over_one_plus_x_lut: #o }),
                    quote!(#k::softmax::softmax_i16),
                )
            }
            Kernel::SoftmaxF32 { rows, depth, beta } => {
                let (r, d) = (lit(*rows), lit(*depth));
                (
                    quote!(#k::softmax::SoftmaxF32),
                    quote!(#k::softmax::SoftmaxF32 { rows: #r, depth: #d, beta: #beta }),
                    quote!(#k::softmax::softmax_f32),
                )
            }
            Kernel::QuantizeF32 { scale, zero_point } => (
                quote!(#k::quantize::QuantizeF32),
                quote!(#k::quantize::QuantizeF32 { scale: #scale, zero_point: #zero_point }),
                quote!(#k::quantize::quantize_f32_i8),
            ),
            Kernel::Requantize { multiplier, shift, input_zero_point, output_zero_point, .. } => (
                quote!(#k::quantize::Requantize),
                quote!(#k::quantize::Requantize { multiplier: #multiplier, shift: #shift,
                    input_zero_point: #input_zero_point, output_zero_point: #output_zero_point }),
                quote!(#k::quantize::requantize),
            ),
            Kernel::Dequantize { scale, zero_point } => (
                quote!(#k::dequantize::Dequantize),
                quote!(#k::dequantize::Dequantize { scale: #scale, zero_point: #zero_point }),
                quote!(#k::dequantize::dequantize_i8_f32),
            ),
        };
        let doc = format!("Operator {} ({}).", step.op_index, step.op_name);
        self.statics.push(quote!(#[doc = #doc] static #name: #ty = #init;));
        (quote!(&#name), func)
    }

    fn loc(&self, t: usize) -> Option<Loc> {
        self.plan.loc[self.p.alias[t]]
    }

    /// The statement block of one step.
    fn call(&mut self, i: usize, step: &Step) -> Result<TokenStream, Diagnostic> {
        let (params, func) = self.layer(i, step);
        // A layer that the planner let write over an input it consumes.
        if let Some(Loc::Arena { offset: o, len: ol }) = self.loc(step.output) {
            for (k, &x) in step.inputs.iter().enumerate() {
                let Some(Loc::Arena { offset: a, len: al }) = self.loc(x) else { continue };
                if a < o + ol && o < a + al {
                    if !crate::plan::overlap_allowed(&step.kernel, k, a, o) {
                        return Err(internal(step, "the plan overlaps an input and the output unsafely"));
                    }
                    return self.call_overlapping(i, step, params, k, (a, al), (o, ol));
                }
            }
        }
        let dsp = self.plan.dsp_scratch.get(i).copied().flatten();
        if !step.state.is_empty() || !step.scratch.is_empty() || dsp.is_some() {
            return self.call_with_buffers(i, step, params, func);
        }
        let out_loc = self.loc(step.output);
        let mut split_spans = Vec::new();
        let mut args = Vec::new();
        for &t in &step.inputs {
            let arg = match self.loc(t) {
                Some(Loc::Input(k)) => {
                    let v = format_ident!("in{}", k);
                    quote!(#v)
                }
                Some(Loc::Output(k)) => {
                    let v = format_ident!("out{}", k);
                    quote!(&*#v)
                }
                Some(Loc::Arena { offset, len }) => {
                    let cast = self.arena_cast(step, t, false)?;
                    if matches!(out_loc, Some(Loc::Arena { .. })) {
                        let v = format_ident!("a{}", split_spans.len());
                        split_spans.push(quote!((#offset, #len)));
                        quote!(#cast(#v))
                    } else {
                        quote!(#cast(&arena[#offset..#offset + #len]))
                    }
                }
                None => self.constant(step, t)?,
            };
            args.push(arg);
        }
        let body = match out_loc {
            Some(Loc::Output(k)) => {
                let v = format_ident!("out{}", k);
                quote!(#func(#params, #(#args,)* &mut *#v);)
            }
            Some(Loc::Arena { offset, len }) => {
                let cast = self.arena_cast(step, step.output, true)?;
                let names: Vec<Ident> = (0..split_spans.len()).map(|j| format_ident!("a{}", j)).collect();
                quote!(
                    let ([#(#names),*], o) = ::nn_runtime::arena::split(arena, [#(#split_spans),*], (#offset, #len));
                    #func(#params, #(#args,)* #cast(o));
                )
            }
            _ => return Err(internal(step, "the output has no writable storage")),
        };
        Ok(quote!({ #body }))
    }

    /// The statement block of a step whose output overlaps its input `k`
    /// (input at `a`, output at `o`; see `nn_runtime::kernels::in_place`).
    /// Only a 1×1 convolution may have its output above the input.
    fn call_overlapping(
        &mut self,
        i: usize,
        step: &Step,
        params: TokenStream,
        k: usize,
        (a, al): (usize, usize),
        (o, ol): (usize, usize),
    ) -> Result<TokenStream, Diagnostic> {
        let ip = quote!(::nn_runtime::kernels::in_place);
        // A convolution in place gets the region spanning its input and
        // output, and its DSP scratch (if any) beside it. With DSP scratch
        // planned, builds with the DSP kernels call the path the compiler
        // chose, which links no portable kernel.
        let dsp_call = crate::plan::dsp_path(&step.kernel, true).map(|path| {
            let func = match path {
                crate::plan::DspPath::Conv(_) => quote!(::nn_runtime::kernels::conv_2d::conv_2d_dsp_overlapping),
                crate::plan::DspPath::Depthwise(_) => {
                    quote!(::nn_runtime::kernels::depthwise_conv_2d::depthwise_conv_2d_dsp_in_place)
                }
            };
            (func, dsp_path_tokens(path))
        });
        let conv = |call: TokenStream| -> Result<TokenStream, Diagnostic> {
            let (ro, rl) = (a.min(o), (a + al).max(o + ol) - a.min(o));
            let (a, o) = (lit(a - ro), lit(o - ro));
            let dsp = self.plan.dsp_scratch.get(i).copied().flatten();
            let (Some((so, sl)), Some((dsp_func, path))) = (dsp, &dsp_call) else {
                return Ok(quote!({
                    #call(#params, ::nn_runtime::arena::i8s_mut(&mut arena[#ro..#ro + #rl]), #a, #o);
                }));
            };
            if so < ro + rl && ro < so + sl {
                return Err(internal(step, "the plan overlaps the DSP scratch and the layer's tensors"));
            }
            // `split_many` wants its spans in address order.
            let (names, spans) = if so < ro {
                let span = dsp_span(so, sl, 0);
                (quote!([s, r]), quote!([#span, (#ro, #rl)]))
            } else {
                let span = dsp_span(so, sl, ro + rl);
                (quote!([r, s]), quote!([(#ro, #rl), #span]))
            };
            Ok(quote!({
                let ([], #names) = ::nn_runtime::arena::split_many(arena, [], #spans);
                if ::nn_runtime::DSP {
                    #dsp_func(#params, ::nn_runtime::arena::i8s_mut(r), #a, #o, s, #path);
                } else {
                    #call(#params, ::nn_runtime::arena::i8s_mut(r), #a, #o);
                }
            }))
        };
        match &step.kernel {
            Kernel::Conv2d { .. } if crate::plan::pointwise_gap(&step.kernel).is_some() => {
                conv(quote!(::nn_runtime::kernels::conv_2d::conv_2d_1x1_overlapping))
            }
            _ if o > a => Err(internal(step, "the plan puts an output above the input it overlaps")),
            Kernel::Conv2d { .. } => conv(quote!(#ip::conv_2d_rows)),
            Kernel::DepthwiseConv2d { .. } => conv(quote!(#ip::depthwise_conv_2d_rows)),
            Kernel::Arithmetic { .. } | Kernel::Prelu { .. } => {
                let dtype = match &step.kernel {
                    Kernel::Arithmetic { dtype, .. } => *dtype,
                    _ => DType::I8,
                };
                let cast = arena_cast(dtype, true).ok_or_else(|| internal(step, "unsupported element type"))?;
                let elem = dtype.size().max(1);
                let (at, first) = ((a - o) / elem, k == 0);
                let region = (o, a + al - o);
                if region.1 < ol {
                    return Err(internal(step, "the overlapped operand ends before the output"));
                }
                let (ro, rl) = region;
                let other = step.inputs.get(1 - k).copied().ok_or_else(|| internal(step, "a missing operand"))?;
                let (other_arg, spans) = match self.loc(other) {
                    Some(Loc::Input(j)) => {
                        let v = format_ident!("in{}", j);
                        (quote!(#v), None)
                    }
                    Some(Loc::Output(j)) => {
                        let v = format_ident!("out{}", j);
                        (quote!(&*#v), None)
                    }
                    Some(Loc::Arena { offset, len }) => {
                        if offset < ro + rl && ro < offset + len {
                            return Err(internal(step, "the plan overlaps the other operand and the output"));
                        }
                        let cast = self.arena_cast(step, other, false)?;
                        (quote!(#cast(b0)), Some(quote!((#offset, #len))))
                    }
                    None => (self.constant(step, other)?, None),
                };
                let call = |region: TokenStream| match &step.kernel {
                    Kernel::Arithmetic { sub, .. } => {
                        quote!(#ip::arithmetic_overlapping(#params, #sub, #cast(#region), #at, #first, #other_arg);)
                    }
                    _ => quote!(#ip::prelu_overlapping(#params, #cast(#region), #at, #other_arg);),
                };
                let body = match spans {
                    Some(span) => {
                        let c = call(quote!(region));
                        quote!(
                            let ([b0], [region]) = ::nn_runtime::arena::split_many(arena, [#span], [(#ro, #rl)]);
                            #c
                        )
                    }
                    None => call(quote!(&mut arena[#ro..#ro + #rl])),
                };
                Ok(quote!({ #body }))
            }
            _ => Err(internal(step, "the plan overlaps an input and the output of a layer that cannot")),
        }
    }

    /// The statement block of a step with state or scratch buffers: every
    /// mutable arena view (output, state, scratch) comes from one
    /// [`split_many`](nn_runtime::arena::split_many) call.
    fn call_with_buffers(
        &mut self,
        i: usize,
        step: &Step,
        params: TokenStream,
        func: TokenStream,
    ) -> Result<TokenStream, Diagnostic> {
        // Mutable arena spans with the argument each one becomes.
        let mut muts: Vec<(usize, usize, TokenStream)> = Vec::new();
        let out_arg = match self.loc(step.output) {
            Some(Loc::Output(k)) => {
                let v = format_ident!("out{}", k);
                quote!(&mut *#v)
            }
            Some(Loc::Arena { offset, len }) => {
                muts.push((offset, len, self.arena_cast(step, step.output, true)?));
                TokenStream::new()
            }
            _ => return Err(internal(step, "the output has no writable storage")),
        };
        for &t in &step.state {
            let Some(Loc::Arena { offset, len }) = self.loc(t) else {
                return Err(internal(step, "a state tensor is not in the arena"));
            };
            muts.push((offset, len, self.arena_cast(step, t, true)?));
        }
        let spans = self.plan.scratch.get(i).map(Vec::as_slice).unwrap_or_default();
        if spans.len() != step.scratch.len() {
            return Err(internal(step, "the scratch buffers were not planned"));
        }
        for (&(offset, len), &(dtype, _)) in spans.iter().zip(&step.scratch) {
            let cast = arena_cast(dtype, true).ok_or_else(|| internal(step, "unsupported scratch type"))?;
            muts.push((offset, len, cast));
        }
        // The DSP kernel's scratch comes last; in builds without the DSP
        // kernels it is an empty span (see `dsp_span`).
        let dsp = self.plan.dsp_scratch.get(i).copied().flatten();
        if let Some((offset, len)) = dsp {
            muts.push((offset, len, quote!(::nn_runtime::arena::u8s_mut)));
        }
        // Arguments in kernel order: output, state, scratch; spans sorted
        // by offset for the split.
        let mut order: Vec<usize> = (0..muts.len()).collect();
        order.sort_by_key(|&j| muts[j].0);
        if order.windows(2).any(|w| muts[w[0]].0 + muts[w[0]].1 > muts[w[1]].0) {
            return Err(internal(step, "the plan overlaps two buffers written by one step"));
        }
        let dsp_index = dsp.map(|_| muts.len() - 1);
        let mut_spans: Vec<TokenStream> = order
            .iter()
            .enumerate()
            .map(|(n, &j)| {
                let (o, l) = (muts[j].0, muts[j].1);
                if Some(j) == dsp_index {
                    let before = n.checked_sub(1).map_or(0, |m| muts[order[m]].0 + muts[order[m]].1);
                    dsp_span(o, l, before)
                } else {
                    quote!((#o, #l))
                }
            })
            .collect();
        let mut_names: Vec<Ident> = order.iter().map(|&j| format_ident!("m{}", j)).collect();
        let mut in_spans = Vec::new();
        let mut args = Vec::new();
        for &t in &step.inputs {
            let arg = match self.loc(t) {
                Some(Loc::Input(k)) => {
                    let v = format_ident!("in{}", k);
                    quote!(#v)
                }
                Some(Loc::Output(k)) => {
                    let v = format_ident!("out{}", k);
                    quote!(&*#v)
                }
                Some(Loc::Arena { offset, len }) => {
                    if muts.iter().any(|m| offset < m.0 + m.1 && m.0 < offset + len) {
                        return Err(internal(step, "the plan overlaps an input with a written buffer"));
                    }
                    let cast = self.arena_cast(step, t, false)?;
                    let v = format_ident!("a{}", in_spans.len());
                    in_spans.push(quote!((#offset, #len)));
                    quote!(#cast(#v))
                }
                None => self.constant(step, t)?,
            };
            args.push(arg);
        }
        let in_names: Vec<Ident> = (0..in_spans.len()).map(|j| format_ident!("a{}", j)).collect();
        let mut call_args = args;
        if !out_arg.is_empty() {
            call_args.push(out_arg);
        }
        // The output when it is the caller's array, then the arena views in
        // kernel order (the output first when it is in the arena).
        for (j, (_, _, cast)) in muts.iter().enumerate() {
            let v = format_ident!("m{}", j);
            call_args.push(quote!(#cast(#v)));
        }
        // With DSP scratch planned, builds with the DSP kernels call the
        // path the compiler chose, which links no portable kernel; the
        // portable kernel takes every argument but that scratch.
        let dsp_call = dsp.and(crate::plan::dsp_path(&step.kernel, false)).map(|path| {
            let func = match path {
                crate::plan::DspPath::Conv(_) => quote!(::nn_runtime::kernels::conv_2d::conv_2d_dsp),
                crate::plan::DspPath::Depthwise(_) => {
                    quote!(::nn_runtime::kernels::depthwise_conv_2d::depthwise_conv_2d_dsp)
                }
            };
            (func, dsp_path_tokens(path))
        });
        let portable_args = &call_args[..call_args.len() - usize::from(dsp.is_some())];
        let call = match dsp_call {
            Some((dsp_func, path)) => quote!(
                if ::nn_runtime::DSP {
                    #dsp_func(#params, #(#call_args,)* #path);
                } else {
                    #func(#params, #(#portable_args),*);
                }
            ),
            None => quote!(#func(#params, #(#portable_args),*);),
        };
        Ok(quote!({
            let ([#(#in_names),*], [#(#mut_names),*]) =
                ::nn_runtime::arena::split_many(arena, [#(#in_spans),*], [#(#mut_spans),*]);
            #call
        }))
    }

    /// A constant operand as a typed slice of a static.
    fn constant(&mut self, step: &Step, t: usize) -> Result<TokenStream, Diagnostic> {
        let (_, dtype, data) =
            self.p.constants.iter().find(|c| c.0 == t).ok_or_else(|| internal(step, "an input has no storage"))?;
        let name = format_ident!("K{}", t);
        let declared = self.constants_emitted.contains(&t);
        let words = |n: usize| data.chunks_exact(n);
        let (decl, arg) = match dtype {
            DType::I8 => {
                let (n, bytes) = (lit(data.len()), Literal::byte_string(data));
                (quote!(static #name: [u8; #n] = *#bytes;), quote!(::nn_runtime::arena::i8s(&#name)))
            }
            DType::I16 => {
                let v: Vec<i16> = words(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
                let n = lit(v.len());
                (quote!(static #name: [i16; #n] = [#(#v),*];), quote!(&#name))
            }
            DType::I32 => {
                let v: Vec<i32> = words(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
                let n = lit(v.len());
                (quote!(static #name: [i32; #n] = [#(#v),*];), quote!(&#name))
            }
            // Bit patterns, so that every value (signed zeros, NaN payloads)
            // survives exactly.
            DType::F32 => {
                let v = words(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
                let n = lit(data.len() / 4);
                (quote!(static #name: [f32; #n] = [#(f32::from_bits(#v)),*];), quote!(&#name))
            }
            other => {
                return Err(Diagnostic::op(
                    step.op_index,
                    &step.op_name,
                    format_args!("a constant {} operand is not supported here", other.name()),
                ))
            }
        };
        if !declared {
            self.constants_emitted.push(t);
            self.statics.push(decl);
        }
        Ok(arg)
    }

    /// The runtime function that views arena bytes as tensor `t`'s type.
    fn arena_cast(&self, step: &Step, t: usize, mutable: bool) -> Result<TokenStream, Diagnostic> {
        let v = self.p.values[t].as_ref().ok_or_else(|| internal(step, "a constant used as an activation"))?;
        arena_cast(v.dtype, mutable).ok_or_else(|| {
            Diagnostic::op(
                step.op_index,
                &step.op_name,
                format_args!("intermediate tensor `{}` has type {}, which is not supported", v.name, v.dtype.name()),
            )
        })
    }
}

/// `::nn_runtime::arena::{i8s,i16s,i32s,f32s}[_mut]` for a type.
fn arena_cast(d: DType, mutable: bool) -> Option<TokenStream> {
    let base = match d {
        DType::I8 => "i8s",
        DType::U8 => "u8s",
        DType::I16 => "i16s",
        DType::I32 => "i32s",
        DType::F32 => "f32s",
        _ => return None,
    };
    let f = if mutable { format_ident!("{}_mut", base) } else { format_ident!("{}", base) };
    Some(quote!(::nn_runtime::arena::#f))
}

fn internal(step: &Step, what: &str) -> Diagnostic {
    Diagnostic::op(step.op_index, &step.op_name, format_args!("internal compiler error: {what}; please report it"))
}

fn quant_tokens(q: Option<(f32, i32)>) -> TokenStream {
    let (scale, zp) = q.unwrap_or((0.0, 0));
    quote!(::nn_runtime::Quant { scale: #scale, zero_point: #zp })
}

/// The tokens of a DSP path the compiler chose for a layer.
fn dsp_path_tokens(path: crate::plan::DspPath) -> TokenStream {
    use nn_runtime::kernels::conv_2d::{Blocked, Gather};
    use nn_runtime::kernels::depthwise_conv_2d::DwPath;
    let k = quote!(::nn_runtime::kernels);
    let blocked = |b: Blocked| {
        let gather = match b.gather {
            Gather::Pointwise => quote!(Pointwise),
            Gather::Words => quote!(Words),
            Gather::WordRows => quote!(WordRows),
            Gather::Bytes => quote!(Bytes),
        };
        let fused = b.fused;
        quote!(#k::conv_2d::Blocked { gather: #k::conv_2d::Gather::#gather, fused: #fused })
    };
    match path {
        crate::plan::DspPath::Conv(b) => blocked(b),
        crate::plan::DspPath::Depthwise(DwPath::Planar) => quote!(#k::depthwise_conv_2d::DwPath::Planar),
        crate::plan::DspPath::Depthwise(DwPath::AsConv(b)) => {
            let b = blocked(b);
            quote!(#k::depthwise_conv_2d::DwPath::AsConv(#b))
        }
    }
}

/// The arena span of a DSP kernel's scratch: `(offset, len)` in builds
/// that run the DSP kernels (`nn_runtime::DSP`), else an empty span at
/// `empty_at` (the end of the previous mutable span of the split, so that
/// the spans stay sorted within the smaller arena of such builds).
fn dsp_span(offset: usize, len: usize, empty_at: usize) -> TokenStream {
    quote!((
        if ::nn_runtime::DSP { #offset } else { #empty_at },
        if ::nn_runtime::DSP { #len } else { 0 }
    ))
}

/// Emits the module.
pub fn emit(p: &Program, plan: &Plan, opts: &EmitOptions) -> Result<TokenStream, Vec<Diagnostic>> {
    emit_module(p, plan, opts, false)
}

/// Emits the module's API without a body, for a model that failed to
/// compile: the caller pairs it with the errors so that code using the
/// module does not report cascading errors. It never runs, because the
/// errors stop compilation.
pub fn stub(p: &Program, opts: &EmitOptions) -> Option<TokenStream> {
    let plan = Plan {
        loc: vec![None; p.values.len()],
        arena_bytes: 0,
        lower_bound: 0,
        optimal: true,
        life: Vec::new(),
        final_copies: Vec::new(),
        scratch: Vec::new(),
        dsp_scratch: Vec::new(),
        dsp_arena_bytes: 0,
    };
    emit_module(p, &plan, opts, true).ok()
}

fn emit_module(p: &Program, plan: &Plan, opts: &EmitOptions, stub: bool) -> Result<TokenStream, Vec<Diagnostic>> {
    let module = Ident::new(&opts.module, Span::call_site());
    let mut e = Emitter { p, plan, statics: Vec::new(), constants_emitted: Vec::new() };
    let mut diags = Vec::new();

    // Graph inputs and outputs: types, flattening, quantization.
    let several_in = p.inputs.len() > 1;
    let several_out = p.outputs.len() > 1;
    let mut items = Vec::new();
    let mut in_params = Vec::new();
    let mut in_args = Vec::new();
    let mut in_flat = Vec::new();
    let mut out_params = Vec::new();
    let mut out_flat = Vec::new();
    let mut out_decls = Vec::new();
    let mut out_names = Vec::new();
    let mut out_types = Vec::new();
    let mut io_docs = String::new();
    for (kind, list, several) in [("Input", &p.inputs, several_in), ("Output", &p.outputs, several_out)] {
        for (k, &t) in list.iter().enumerate() {
            let Some(v) = p.values[t].as_ref() else { continue };
            let Some(elem) = elem_type(v.dtype) else {
                diags.push(Diagnostic::model(format!(
                    "graph {} `{}` has type {}, which is not supported at the graph's edge",
                    kind.to_lowercase(),
                    v.name,
                    v.dtype.name()
                )));
                continue;
            };
            if v.quant.is_some_and(|(s, _)| !s.is_finite()) {
                diags.push(Diagnostic::model(format!(
                    "graph {} `{}` has a non-finite quantization scale",
                    kind.to_lowercase(),
                    v.name
                )));
                continue;
            }
            let shape = api_shape(&v.shape);
            let ty_name = if several { format_ident!("{}{}", kind, k) } else { format_ident!("{}", kind) };
            let quant_name = if several {
                format_ident!("{}{}_QUANT", kind.to_uppercase(), k)
            } else {
                format_ident!("{}_QUANT", kind.to_uppercase())
            };
            let ty = array_type(&elem, &shape);
            let doc = format!("Graph {} `{}`: shape {:?}, {}.", kind.to_lowercase(), v.name, v.shape, v.dtype.name());
            let qdoc = format!("Quantization of [`{ty_name}`] (scale 0 for float tensors).");
            let q = quant_tokens(v.quant);
            items.push(quote!(#[doc = #doc] pub type #ty_name = #ty; #[doc = #qdoc] pub const #quant_name: ::nn_runtime::Quant = #q;));
            io_docs.push_str(&format!(
                "- `{ty_name}`: `{}` ({}){}\n",
                v.shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×"),
                v.dtype.name(),
                v.quant.map(|(s, z)| format!(", scale {s}, zero point {z}")).unwrap_or_default()
            ));
            let flatten = if shape.len() > 1 {
                let calls = (1..shape.len()).map(|_| {
                    if kind == "Input" {
                        quote!(.as_flattened())
                    } else {
                        quote!(.as_flattened_mut())
                    }
                });
                quote!(#(#calls)*)
            } else if kind == "Input" {
                quote!(.as_slice())
            } else {
                quote!(.as_mut_slice())
            };
            if kind == "Input" {
                let arg = if several { format_ident!("input{}", k) } else { format_ident!("input") };
                let flat = format_ident!("in{}", k);
                in_params.push(quote!(#arg: &#ty_name));
                in_args.push(quote!(#arg));
                in_flat.push(quote!(let #flat: &[#elem] = #arg #flatten;));
            } else {
                let arg = if several { format_ident!("output{}", k) } else { format_ident!("output") };
                let flat = format_ident!("out{}", k);
                out_params.push(quote!(#arg: &mut #ty_name));
                out_flat.push(quote!(let #flat: &mut [#elem] = #arg #flatten;));
                let zero = zero_value(v.dtype, &shape);
                out_decls.push(quote!(let mut #arg: #ty_name = #zero;));
                out_names.push(arg);
                out_types.push(quote!(#ty_name));
            }
        }
    }

    let mut calls = Vec::new();
    if stub {
        calls.push(quote!(loop {}));
    }
    for (i, step) in p.steps.iter().enumerate().filter(|_| !stub) {
        match e.call(i, step) {
            Ok(c) => calls.push(c),
            Err(d) => diags.push(d),
        }
    }
    // Outputs whose storage is elsewhere are copied at the end.
    for &(k, t) in plan.final_copies.iter().filter(|_| !stub) {
        let out = format_ident!("out{}", k);
        let dtype = p.values[t].as_ref().map(|v| v.dtype);
        match e.loc(t) {
            Some(Loc::Input(j)) => {
                let src = format_ident!("in{}", j);
                calls.push(quote!(#out.copy_from_slice(#src);));
            }
            Some(Loc::Output(j)) if j != k => {
                let src = format_ident!("out{}", j);
                calls.push(quote!(#out.copy_from_slice(&*#src);));
            }
            Some(Loc::Arena { offset, len }) if dtype.and_then(|d| arena_cast(d, false)).is_some() => {
                let cast = dtype.and_then(|d| arena_cast(d, false));
                calls.push(quote!(#out.copy_from_slice(#cast(&arena[#offset..#offset + #len]));));
            }
            _ => diags.push(Diagnostic::model(format!(
                "graph output {k} cannot be copied from its storage; its type is not supported there"
            ))),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }

    let macs: u64 = p.steps.iter().map(|s| s.kernel.macs()).sum();
    // Builds with the DSP kernels need their scratch too (the same tensor
    // offsets, a larger arena when a scratch buffer lies above them).
    let arena_bytes = if plan.dsp_arena_bytes > plan.arena_bytes {
        let (dsp, plain) = (lit(plan.dsp_arena_bytes), lit(plan.arena_bytes));
        quote!(if ::nn_runtime::DSP { #dsp } else { #plain })
    } else {
        let plain = lit(plan.arena_bytes);
        quote!(#plain)
    };
    let weight_bytes = lit(crate::weight_bytes(p));
    let statics = &e.statics;
    let path = &opts.model_path;
    let ret = if several_out { quote!((#(#out_types),*)) } else { quote!(#(#out_types)*) };
    let ret_val = if several_out { quote!((#(#out_names),*)) } else { quote!(#(#out_names)*) };
    let out_refs = out_names.iter().map(|n| quote!(&mut #n));

    let mut doc = format!(
        "Model `{}`, compiled by `nn_macro::include_model!`.\n\n\
         Inputs and outputs:\n{io_docs}\n\
         Activation arena: {} bytes; weights and constants: {} bytes; {} multiply-accumulates per inference.\n\n\
         | # | operator | output shape |\n|---|---|---|\n",
        opts.display_path,
        plan.arena_bytes,
        crate::weight_bytes(p),
        macs
    );
    for (i, name, shape) in &p.layers {
        doc.push_str(&format!("| {i} | {name} | {shape:?} |\n"));
    }
    if !stub {
        doc.push_str("\n# Memory plan\n\n");
        doc.push_str(&crate::report::table(p, plan));
    }
    let arena_uses = if plan.dsp_arena_bytes == 0 { quote!(let _ = arena;) } else { quote!() };
    // Variable tensors start, and reset to, what TFLM's reset writes: the
    // zero point in every byte of an int8 tensor, zero otherwise.
    let mut state_bytes = 0usize;
    let mut state_fill = Vec::new();
    let mut state_reset = Vec::new();
    for &t in &p.state {
        let (Some(Loc::Arena { offset, len }), Some(v)) = (e.loc(t), p.values[t].as_ref()) else { continue };
        state_bytes += len;
        let byte = match (v.dtype, v.quant) {
            (DType::I8, Some((_, zp))) => zp as i8 as u8,
            _ => 0,
        };
        if byte != 0 {
            let end = offset + len;
            state_fill.push(quote!({
                let mut i = #offset;
                while i < #end {
                    bytes[i] = #byte;
                    i += 1;
                }
            }));
        }
        state_reset.push(quote!(self.0[#offset..#offset + #len].fill(#byte);));
    }
    let state_doc = if p.state.is_empty() {
        "The model has no state.".to_string()
    } else {
        format!(
            "The model keeps {state_bytes} bytes of state (variable tensors) in the arena: `infer_in` calls on one \
             arena carry it from one inference to the next, as TFLM does; `infer` starts from the reset state."
        )
    };
    let state_lit = lit(state_bytes);
    let reset_doc =
        format!("Resets the model's state to its initial value, as TFLM's `ResetVariableTensors` does. {state_doc}");

    Ok(quote! {
        #[doc = #doc]
        #[allow(clippy::all, clippy::pedantic, unused_variables, unused_mut)]
        pub mod #module {
            /// The model file, so that editing it rebuilds the crate.
            const _MODEL_FILE: &[u8] = include_bytes!(#path);

            #(#items)*

            /// Bytes of activation memory the model needs (size of [`Arena`]).
            pub const ARENA_BYTES: usize = #arena_bytes;
            /// Bytes of weights and per-channel constants placed in flash.
            pub const WEIGHT_BYTES: usize = #weight_bytes;
            /// Multiply-accumulate operations per inference.
            pub const MACS: u64 = #macs;

            /// The statically planned activation memory, 16-byte aligned. It
            /// can be a `static` placed where the user wants it.
            #[repr(C, align(16))]
            pub struct Arena([u8; ARENA_BYTES]);

            /// Bytes of the arena holding the model's state (variable
            /// tensors); 0 for a stateless model.
            pub const STATE_BYTES: usize = #state_lit;

            impl Arena {
                /// A new arena, its state (if any) reset.
                pub const fn new() -> Self {
                    let mut bytes = [0; ARENA_BYTES];
                    #(#state_fill)*
                    Arena(bytes)
                }

                #[doc = #reset_doc]
                pub fn reset(&mut self) {
                    #(#state_reset)*
                }
            }

            impl ::core::default::Default for Arena {
                fn default() -> Self {
                    Self::new()
                }
            }

            /// Runs the model with a new arena on the stack (its state, if
            /// any, reset).
            pub fn infer(#(#in_params),*) -> #ret {
                let mut arena = Arena::new();
                #(#out_decls)*
                infer_in(&mut arena, #(#in_args,)* #(#out_refs),*);
                #ret_val
            }

            /// Runs the model in a caller-owned arena (which carries the
            /// model's state, if any, from one call to the next).
            pub fn infer_in(arena: &mut Arena, #(#in_params,)* #(#out_params),*) {
                let arena: &mut [u8] = &mut arena.0;
                #arena_uses
                #(#in_flat)*
                #(#out_flat)*
                #(#calls)*
            }

            #(#statics)*
        }
    })
}
