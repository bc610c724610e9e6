//! `include_model!`: compiles a TensorFlow Lite model into Rust at compile
//! time.
//!
//! ```
//! // Defines `pub mod tiny_int8` (the file stem in snake case).
//! nn_macro::include_model!("../tests/ui/models/tiny_int8.tflite");
//! // Names the module.
//! nn_macro::include_model!(tiny = "../tests/ui/models/tiny_int8.tflite");
//!
//! let image: tiny_int8::Input = [[[0i8; 3]; 8]; 8];
//! let out: tiny_int8::Output = tiny_int8::infer(&image);
//! assert_eq!(out, tiny::infer(&image));
//!
//! // The same in a caller-owned arena, e.g. a `static` placed by the linker.
//! let mut arena = tiny_int8::Arena::new();
//! let mut again = [0i8; 5];
//! tiny_int8::infer_in(&mut arena, &image, &mut again);
//! assert_eq!(out, again);
//! ```
//!
//! Budgets make an oversized model a compile error with a per-layer table:
//!
//! ```
//! nn_macro::include_model!("../tests/ui/models/tiny_int8.tflite", max_ram = 1024, max_flash = 4 * 1024);
//! # fn main() {}
//! ```
//!
//! `max_ram` bounds `ARENA_BYTES` (the activation arena) and `max_flash`
//! bounds `WEIGHT_BYTES` (weights, biases and requantization constants);
//! each is an integer expression of literals.
//!
//! The path is relative to the crate's `CARGO_MANIFEST_DIR` (or
//! `CARGO_MANIFEST_DIR_OVERRIDE`, which trybuild sets); absolute paths work
//! too. This crate only resolves and reads the file; `nn-compiler` does the
//! rest, and every problem becomes a compile error on the path literal.

use proc_macro::TokenStream;
use quote::quote;
use std::path::PathBuf;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// The macro's arguments: `"path"` or `name = "path"`, then optional
/// budgets `max_ram = <bytes>` and `max_flash = <bytes>`.
struct Args {
    name: Option<Ident>,
    path: LitStr,
    max_ram: Option<u64>,
    max_flash: Option<u64>,
}

/// Evaluates an integer expression of literals (`64 * 1024`, `(1 << 20) - 4096`).
fn eval(e: &syn::Expr) -> syn::Result<u64> {
    use syn::{BinOp, Expr, Lit};
    let bad = || syn::Error::new_spanned(e, "expected an integer expression of literals, such as `64 * 1024`");
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Int(i) => i.base10_parse::<u64>(),
            _ => Err(bad()),
        },
        Expr::Paren(p) => eval(&p.expr),
        Expr::Group(g) => eval(&g.expr),
        Expr::Binary(b) => {
            let (l, r) = (eval(&b.left)?, eval(&b.right)?);
            match b.op {
                BinOp::Add(_) => l.checked_add(r),
                BinOp::Sub(_) => l.checked_sub(r),
                BinOp::Mul(_) => l.checked_mul(r),
                BinOp::Div(_) => l.checked_div(r),
                BinOp::Shl(_) => u32::try_from(r).ok().and_then(|r| l.checked_shl(r)).filter(|v| v >> r == l),
                _ => return Err(bad()),
            }
            .ok_or_else(|| syn::Error::new_spanned(e, "the budget overflows or divides by zero"))
        }
        _ => Err(bad()),
    }
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        const USAGE: &str = "expected the model path as a string literal: \
                             `include_model!(\"model.tflite\")` or `include_model!(name = \"model.tflite\")`";
        let name = if input.peek(Ident) && input.peek2(Token![=]) {
            let name: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            Some(name)
        } else {
            None
        };
        let path: LitStr = input.parse().map_err(|e| syn::Error::new(e.span(), USAGE))?;
        let (mut max_ram, mut max_flash) = (None, None);
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "expected a budget after the model path: `max_ram = ...` or `max_flash = ...`",
                )
            })?;
            input.parse::<Token![=]>()?;
            let value = eval(&input.parse::<syn::Expr>()?)?;
            let slot = match key.to_string().as_str() {
                "max_ram" => &mut max_ram,
                "max_flash" => &mut max_flash,
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        "unknown option: the options are `max_ram` and `max_flash`",
                    ))
                }
            };
            if slot.replace(value).is_some() {
                return Err(syn::Error::new(key.span(), format!("`{key}` is given twice")));
            }
        }
        Ok(Args { name, path, max_ram, max_flash })
    }
}

/// Compiles the TensorFlow Lite model at the given path into a module.
///
/// See the crate documentation and the project README for the generated API
/// (`Input`, `Output`, `infer`, `Arena`, `infer_in`, `ARENA_BYTES`,
/// `WEIGHT_BYTES`, `MACS`, `INPUT_QUANT`, `OUTPUT_QUANT`).
#[proc_macro]
pub fn include_model(input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(input as Args);
    match expand(&args) {
        Ok(tokens) => tokens.into(),
        Err(Failure { messages, stub }) => {
            let span = args.path.span();
            let errors = messages.iter().map(|m| syn::Error::new(span, m).to_compile_error());
            quote!(#(#errors)* #stub).into()
        }
    }
}

/// The module name derived from the file stem: snake case, a valid
/// identifier.
fn module_name(path: &std::path::Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("model");
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in stem.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            out.push(ch.to_ascii_lowercase());
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() {
        "model".to_string()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("model_{out}")
    } else {
        out
    }
}

/// Why a model did not compile, and the module API to emit anyway (when its
/// inputs and outputs are known) so that users see only the real errors.
struct Failure {
    messages: Vec<String>,
    stub: Option<proc_macro2::TokenStream>,
}

impl From<Vec<String>> for Failure {
    fn from(messages: Vec<String>) -> Self {
        Failure { messages, stub: None }
    }
}

fn expand(args: &Args) -> Result<proc_macro2::TokenStream, Failure> {
    let written = args.path.value();
    let base = std::env::var_os("CARGO_MANIFEST_DIR_OVERRIDE")
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
        .map(PathBuf::from)
        .unwrap_or_default();
    let path = base.join(&written);
    let shown = format!("`{written}`");
    let bytes = std::fs::read(&path).map_err(|e| {
        Failure::from(vec![format!(
            "nn: cannot read model {shown} (resolved to `{}`): {e}; paths are relative to the crate's Cargo.toml directory",
            path.display()
        )])
    })?;
    let module = match &args.name {
        Some(n) => n.to_string(),
        None => module_name(&path),
    };
    let module = if syn::parse_str::<Ident>(&module).is_ok() { module } else { format!("{module}_model") };
    let model_path = path
        .to_str()
        .ok_or_else(|| Failure::from(vec![format!("nn: the path of model {shown} is not valid UTF-8")]))?;
    let opts = nn_compiler::EmitOptions {
        module,
        model_path: model_path.to_string(),
        display_path: written.clone(),
        max_ram: args.max_ram,
        max_flash: args.max_flash,
    };
    nn_compiler::compile(&bytes, &opts).map_err(|diags| Failure {
        messages: diags.into_iter().map(|d| format!("nn: model {shown}: {d}")).collect(),
        stub: nn_compiler::stub(&bytes, &opts),
    })
}
