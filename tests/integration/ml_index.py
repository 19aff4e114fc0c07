"""Reads analyze's and buildsvm's binary files (docs/formats/index.md) with the standard library.

A file: 32-byte header (magic b"ASPIDX\\0\\0", u32 format version, u32 kind, u32 section count,
u32 reserved, u64 file size), then per section a 32-byte entry (16-byte NUL-padded name,
u64 offset, u64 size), then the sections (8-byte aligned, little-endian arrays).
"""
import array
import struct
from pathlib import Path

MAGIC = b"ASPIDX\0\0"


def read_sections(path, kind=None):
    data = Path(path).read_bytes()
    if data[:8] != MAGIC:
        raise ValueError(f"{path}: bad magic")
    version, k, count, _, size = struct.unpack_from("<IIIIQ", data, 8)
    if size != len(data):
        raise ValueError(f"{path}: size {len(data)} != header {size}")
    if kind is not None and k != struct.unpack("<I", kind.encode())[0]:
        raise ValueError(f"{path}: kind")
    out = {}
    for i in range(count):
        name, off, n = struct.unpack_from("<16sQQ", data, 32 + 32 * i)
        out[name.rstrip(b"\0").decode()] = data[off:off + n]
    out["_version"] = version
    return out


def arr(sections, name, code):
    a = array.array(code)
    a.frombytes(sections[name])
    return a


def strings(sections, name):
    off = arr(sections, name + ".off", "Q")
    blob = sections[name]
    return [blob[off[i]:off[i + 1]].decode("utf-8") for i in range(len(off) - 1)]


def current_dir(index_dir):
    name = (Path(index_dir) / "CURRENT").read_text().strip()
    return Path(index_dir) / name


def load_index(index_dir):
    g = current_dir(index_dir)
    docs = read_sections(g / "docs.bin", "DOCS")
    vocab = read_sections(g / "vocab.bin", "VOCB")
    tfidf = read_sections(g / "tfidf.bin", "TFID")
    sim = read_sections(g / "similar.bin", "SIML")
    ids = strings(docs, "ids")
    ptr, col, val = arr(tfidf, "row_ptr", "Q"), arr(tfidf, "col", "I"), arr(tfidf, "val", "f")
    rows = [(list(col[ptr[i]:ptr[i + 1]]), list(val[ptr[i]:ptr[i + 1]])) for i in range(len(ids))]
    sp, sd, ss = arr(sim, "ptr", "Q"), arr(sim, "doc", "I"), arr(sim, "score", "f")
    similar = {ids[i]: [(ids[sd[p]], ss[p]) for p in range(sp[i], sp[i + 1])]
               for i in range(len(ids))}
    return {
        "generation": g.name, "ids": ids, "terms": strings(vocab, "terms"),
        "idf": list(arr(vocab, "idf", "d")), "rows": rows, "similar": similar,
        "source": list(docs["source"]),
    }


def load_recs(path):
    s = read_sections(path, "RECS")
    return list(zip(strings(s, "ids"), arr(s, "score", "f"))), s["meta"].decode()
