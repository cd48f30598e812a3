"""Safetensors files (the format of runtime/include/adjoint/safetensors.h) in
a few lines of numpy, for the tests; and, run as a script, a file of given
tensors:

  safetensors_io.py OUT NAME:DTYPE:SHAPE[:VALUE] ...

DTYPE is F32, F64, I32 or I64; SHAPE is comma-separated dims ('' for a
scalar); the elements are VALUE (default: 0.5 for floats, 0 for integers).
"""
import json
import struct
import sys

import numpy as np


DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32,
          "I64": np.int64}


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, a in tensors.items():
        a = np.array(a, order="C")  # (ascontiguousarray makes scalars 1-d)
        dtype = next(k for k, v in DTYPES.items() if v == a.dtype)
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n:]
    out = {}
    for name, e in header.items():
        lo, hi = e["data_offsets"]
        dt = np.dtype(DTYPES[e["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(body[lo:hi], dtype=dt).reshape(e["shape"])
    return out


def main():
    tensors = {}
    for spec in sys.argv[2:]:
        parts = spec.split(":")
        name, dtype, shape = parts[0], parts[1], parts[2]
        dims = tuple(int(d) for d in shape.split(",") if d)
        dt = DTYPES[dtype]
        fill = (float(parts[3]) if len(parts) > 3 else
                (0.5 if np.issubdtype(dt, np.floating) else 0))
        tensors[name] = np.full(dims, fill, dtype=dt)
    write_safetensors(sys.argv[1], tensors)


if __name__ == "__main__":
    main()
