#!/usr/bin/env python3
"""The flash one inference costs in a Cortex-M firmware binary, read from the ELF.

Starting from the binary's inference function (`nn_infer`, which every model
binary of ../../firmware defines and never inlines), follows:

- direct branches to other functions (`bl`, `b`, `b.w`, conditional branches,
  `cbz`/`cbnz`, `blx` to an immediate);
- function addresses taken in reachable code: any 32-bit constant equal to a
  function's start | 1 (a Thumb function pointer), whether it is a word the
  code loads from its literal pool (`ldr rX, [pc, #N]`, `ldrd`, `vldr`), any
  other `.word` inside the function, or a `movw`/`movt` pair on one register;
- the same constants pointing into read-only data (or `.data`) symbols, and,
  in such symbols that are not the model's own statics (e.g. a vtable), the
  words that are function pointers.

It prints the sum of the reachable functions' sizes (`nm -S`) plus the
model's constants that are not weights, from the statics of the generated
module (`<bin>::<module>::NAME`) in the ELF, referenced or not:

- the layers' parameter structs (`L<i>`: shapes, quantization, pointers to
  the layer's arrays), which `WEIGHT_BYTES` never counts;
- the other statics (weights, biases, per-channel multipliers and shifts,
  tables) less `WEIGHT_BYTES` (the compiler's count of them, which the
  firmware prints), if positive: what is left are arrays `WEIGHT_BYTES` does
  not count (e.g. RESIZE's index tables). It is often negative: LLVM drops
  arrays the kernels never read (e.g. the unfolded bias of a fully connected
  layer that reads the folded one) and folds small ones into instruction
  immediates (then their bytes are in the functions' sizes), so the ELF holds
  fewer bytes than `WEIGHT_BYTES`; counting 0 then keeps those bytes from
  being taken off the code;

plus every other data symbol the reachable code references (a kernel's
lookup table, say). An ARMv6-M ELF keeps no symbols for anonymous constants:
such an object is taken to run from the referenced address to the next
address any code refers to (or the next symbol).

Not counted: padding between functions, the harness (vector table, reset,
the test vectors, semihosting output, the panic handler), whatever the
harness alone reaches, and data the harness refers to as well (the test
vectors: an arithmetic constant of the inference can fall inside them).

Usage: code_size.py ELF --weight-bytes N [--entry nn_infer] [--module NAME]
                    [--list] [--bytes]
  --bytes  print only the total (for bench.sh)
  --list   print every reachable function and referenced constant with its
           size, largest first, and totals per crate

Needs arm-none-eabi-objdump and arm-none-eabi-nm (binutils-arm-none-eabi).
Python 3 standard library only.
"""

import argparse
import bisect
import os
import re
import struct
import subprocess
import sys

OBJDUMP = os.environ.get("OBJDUMP", "arm-none-eabi-objdump")
NM = os.environ.get("NM", "arm-none-eabi-nm")

# A branch with an immediate target: b, bl, blx, b<cond>, each with an
# optional .n/.w width, and cbz/cbnz. `bx`, `bic`, `bfi`, `bkpt`... are not.
BRANCH = re.compile(
    r"^(?:bl|blx|b(?:eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?|cbn?z)(?:\.[nw])?$"
)
HEADER = re.compile(r"^([0-9a-f]+) <(.*)>:$")
INSN = re.compile(r"^\s*([0-9a-f]+):\t(\S+)\t?(.*)$")
# The hex address objdump prints for a branch target: "1234 <name+0x10>".
TARGET = re.compile(r"(?:^|[ ,])(?:0x)?([0-9a-f]+) <")
# The literal a pc-relative load reads: "@ (458 <name+0x70>)".
LITERAL = re.compile(r"@ \((?:0x)?([0-9a-f]+) <")
# The generated module's parameter struct of layer i (nn-compiler's emit.rs).
LAYER = re.compile(r"L\d+")
IMMEDIATE = re.compile(r"#(-?(?:0x[0-9a-f]+|\d+))")


class Elf:
    """The allocated sections of a 32-bit little-endian ELF, to read bytes by address."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 1 or d[5] != 1:
            sys.exit(f"code_size.py: {path} is no 32-bit little-endian ELF")
        shoff = struct.unpack_from("<I", d, 0x20)[0]
        shentsize, shnum = struct.unpack_from("<HH", d, 0x2E)
        self.sections = []
        for i in range(shnum):
            _, sh_type, flags, addr, offset, size = struct.unpack_from("<IIIIII", d, shoff + i * shentsize)
            # SHF_ALLOC with contents (not SHT_NOBITS).
            if flags & 2 and sh_type != 8 and size:
                self.sections.append((addr, offset, size, bool(flags & 4)))

    def read(self, addr, n):
        """n bytes at addr, or None if no allocated section holds them."""
        for start, offset, size, _ in self.sections:
            if start <= addr and addr + n <= start + size:
                return self.data[offset + addr - start : offset + addr - start + n]
        return None

    def word(self, addr):
        b = self.read(addr, 4)
        return None if b is None else struct.unpack("<I", b)[0]


def run(args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def symbols(path):
    """(address, size or None, type letter, name) of every defined symbol (nm -S -C)."""
    out = []
    for line in run([NM, "-S", "-C", "--defined-only", path]).splitlines():
        m = re.match(r"^([0-9a-f]+) (?:([0-9a-f]+) )?(\S) (.*)$", line)
        if m:
            size = int(m.group(2), 16) if m.group(2) else None
            out.append((int(m.group(1), 16), size, m.group(3), m.group(4)))
    return out


def disassemble(path):
    """{function start: (name, [(address, mnemonic, operands)])} from objdump -d -C."""
    funcs = {}
    current = None
    for line in run([OBJDUMP, "-d", "-C", "--no-show-raw-insn", path]).splitlines():
        m = HEADER.match(line)
        if m:
            current = []
            funcs[int(m.group(1), 16)] = (m.group(2), current)
            continue
        m = INSN.match(line)
        if m and current is not None:
            current.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return funcs


def immediate(text):
    m = IMMEDIATE.search(text)
    if not m:
        return None
    return int(m.group(1), 0) & 0xFFFF


def constants_of(elf, insns, start, end):
    """Every 32-bit constant the function [start, end) holds or builds."""
    values = []
    low = {}  # register -> value of its last movw
    for addr, mnem, ops in insns:
        if not start <= addr < end:
            continue
        base = mnem.split(".")[0]
        if base == ".word":
            m = re.match(r"\s*(0x[0-9a-f]+|\d+)", ops)
            if m:
                values.append(int(m.group(1), 0))
            continue
        if base in ("ldr", "ldrd", "vldr") and "[pc" in ops:
            m = LITERAL.search(ops)
            if m:
                lit = int(m.group(1), 16)
                wide = base == "ldrd" or (base == "vldr" and re.match(r"\s*d\d", ops))
                for k in range(2 if wide else 1):
                    w = elf.word(lit + 4 * k)
                    if w is not None:
                        values.append(w)
            continue
        if base == "adr" or "(adr" in ops:
            m = TARGET.search(ops.split("(adr")[-1])
            if m:
                values.append(int(m.group(1), 16) | 1)
            continue
        if base in ("movw", "movt"):
            reg = ops.split(",")[0].strip()
            imm = immediate(ops)
            if imm is None:
                continue
            if base == "movw":
                low[reg] = imm
            elif reg in low:
                values.append((imm << 16) | low.pop(reg))
    return values


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("elf")
    ap.add_argument("--weight-bytes", type=int, required=True, help="the model's WEIGHT_BYTES")
    ap.add_argument("--entry", default="nn_infer", help="the inference function (default nn_infer)")
    ap.add_argument("--module", help="the generated module's path, e.g. person_detect::person_detect "
                    "(default: <binary>::<the one module with statics>)")
    ap.add_argument("--list", action="store_true", help="list reachable functions and constants")
    ap.add_argument("--bytes", action="store_true", help="print only the total")
    a = ap.parse_args()

    elf = Elf(a.elf)
    syms = symbols(a.elf)
    disasm = disassemble(a.elf)

    def in_code(addr):
        return any(s <= addr < s + n and x for s, _, n, x in elf.sections)

    # Functions: every symbol objdump starts a block with in an executable
    # section; the size from nm, else up to the next block.
    starts = sorted(s for s in disasm if in_code(s))
    names = {}
    size = {}
    for s, n, t, name in syms:
        if s in disasm and n:
            size[s] = n
            names.setdefault(s, name)
    for i, s in enumerate(starts):
        names.setdefault(s, disasm[s][0])
        if s not in size:
            nxt = starts[i + 1] if i + 1 < len(starts) else max(x + n for x, _, n, c in elf.sections if c)
            size[s] = nxt - s

    def function_at(addr):
        i = bisect.bisect_right(starts, addr) - 1
        if i >= 0 and addr < starts[i] + size[starts[i]]:
            return starts[i]
        return None

    # Data: sized symbols outside executable sections, in flash (rodata,
    # the vector table) or .data; not .bss, which costs no flash.
    data = sorted(
        (s, n, name) for s, n, t, name in syms
        if n and t in "rRdDgG" and not in_code(s) and elf.read(s, 1) is not None
    )
    data_starts = [d[0] for d in data]

    # Data without a symbol (some targets' ELFs keep no `.Lanon.*` symbols
    # for anonymous constants): an object at an address some code refers to
    # is taken to end where the next referenced address, symbol or section
    # end is, which every function's constants in the ELF tell.
    data_sections = [(x, x + n) for x, _, n, c in elf.sections if not c]
    bounds = {x for x, _, _ in data} | {x + n for x, n, _ in data} | {e for _, e in data_sections}
    for f in starts:
        for v in constants_of(elf, disasm[f][1], f, f + size[f]):
            if any(lo <= v < hi for lo, hi in data_sections):
                bounds.add(v)
    bounds = sorted(bounds)

    def data_at(addr):
        i = bisect.bisect_right(data_starts, addr) - 1
        if i >= 0 and addr < data[i][0] + data[i][1]:
            return data[i]
        if not any(lo <= addr < hi for lo, hi in data_sections) or elf.read(addr, 1) is None:
            return None
        end = bounds[bisect.bisect_right(bounds, addr)]
        return (addr, end - addr, f"(data without a symbol at 0x{addr:08x})")

    binary = os.path.basename(a.elf)
    if a.module:
        module = a.module + "::"
    else:
        mods = {name.rsplit("::", 1)[0] for _, _, name in data
                if name.startswith(binary + "::") and name.count("::") >= 2}
        if len(mods) != 1:
            sys.exit(f"code_size.py: cannot tell the model's module among {sorted(mods)}; pass --module")
        module = mods.pop() + "::"
    module_statics = [(s, n, name) for s, n, name in data if name.startswith(module)]

    entry = [s for s, n, t, name in syms if name == a.entry and s in disasm]
    if not entry:
        sys.exit(f"code_size.py: no function {a.entry} in {a.elf}")

    reached = {}  # function start -> why (the function that reaches it)
    referenced = {}  # data start -> (size, name, why)
    todo = [(entry[0], "entry")]
    while todo:
        f, why = todo.pop()
        if f in reached:
            continue
        reached[f] = why
        end = f + size[f]
        insns = disasm[f][1]
        for addr, mnem, ops in insns:
            if addr >= end or not BRANCH.match(mnem):
                continue
            m = TARGET.search(ops)
            if m:
                g = function_at(int(m.group(1), 16))
                if g is not None and g != f:
                    todo.append((g, names[f]))
        for v in constants_of(elf, insns, f, end):
            refs = [v]
            while refs:
                v = refs.pop()
                if v & 1 and (v - 1) in size and (v - 1) in disasm:
                    todo.append((v - 1, names[f]))
                    continue
                d = data_at(v)
                if d is None or d[0] in referenced:
                    continue
                referenced[d[0]] = (d[1], d[2], names[f])
                if d[2].startswith(module):
                    continue
                # A vtable or table of pointers: functions (and data) it
                # points to are reached too. Only exact symbol starts count
                # for data, so that table contents rarely match by chance.
                for off in range(0, d[1] - 3, 4):
                    w = elf.word(d[0] + off)
                    if w is None:
                        continue
                    if w & 1 and (w - 1) in size and (w - 1) in disasm:
                        todo.append((w - 1, d[2]))
                    elif w in data_starts and w != d[0]:
                        refs.append(w)

    # Data the harness refers to too (the test vectors above all) is the
    # harness's: a constant of the inference that only happens to fall
    # inside it (an arithmetic bound equal to an address in the vectors,
    # say) must not count it.
    harness_data = set()
    for f in starts:
        if f in reached:
            continue
        for v in constants_of(elf, disasm[f][1], f, f + size[f]):
            d = data_at(v)
            if d is not None:
                harness_data.add(d[0])

    code = sum(size[f] for f in reached)
    layers = sum(n for _, n, name in module_statics if LAYER.fullmatch(name[len(module):]))
    arrays = sum(n for _, n, name in module_statics if not LAYER.fullmatch(name[len(module):]))
    others = {s: v for s, v in referenced.items() if not v[1].startswith(module) and s not in harness_data}
    shared = {s: v for s, v in referenced.items() if not v[1].startswith(module) and s in harness_data}
    other_bytes = sum(v[0] for v in others.values())
    constants = layers + max(0, arrays - a.weight_bytes) + other_bytes
    total = code + constants

    if a.bytes:
        print(total)
        return
    print(f"{binary}: inference code {total} B = {len(reached)} functions reachable from {a.entry} {code} B"
          f" + layer parameters {layers} B + other module statics less WEIGHT_BYTES "
          f"max(0, {arrays} - {a.weight_bytes}) B + {len(others)} other data symbols {other_bytes} B")
    if a.list:
        crates = {}
        for f in reached:
            n = names[f]
            crate = re.sub(r"^<", "", n).split("::")[0].split(" ")[0] if "::" in n else "(no crate)"
            crates[crate] = crates.get(crate, 0) + size[f]
        print("\nper crate (functions):")
        for c, n in sorted(crates.items(), key=lambda x: -x[1]):
            print(f"{n:8d}  {c}")
        print("\nfunctions (size, address, name, reached from):")
        for f in sorted(reached, key=lambda f: (-size[f], f)):
            print(f"{size[f]:8d}  {f:08x}  {names[f]}    <- {reached[f]}")
        print("\nother data symbols referenced (size, address, name, referenced from):")
        for s, (n, name, why) in sorted(others.items(), key=lambda x: (-x[1][0], x[0])):
            print(f"{n:8d}  {s:08x}  {name}    <- {why}")
        if shared:
            print("\ndata the harness refers to as well, not counted (size, address, name, referenced from):")
            for s, (n, name, why) in sorted(shared.items(), key=lambda x: (-x[1][0], x[0])):
                print(f"{n:8d}  {s:08x}  {name}    <- {why}")
        unref = [x for x in module_statics if x[0] not in referenced]
        print(f"\nthe module's statics: {len(module_statics)}, {layers + arrays} B "
              f"({len(unref)} not referenced from reachable code, {sum(n for _, n, _ in unref)} B)")


if __name__ == "__main__":
    main()
