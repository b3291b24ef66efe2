// Repairs the one defect of the shared models that TensorFlow Lite refuses:
// a quantized_dimension outside the tensor's rank. person_detect.tflite has
// 14 one-dimensional bias tensors, quantized per channel (one scale per
// element), whose quantized_dimension is 3, copied from their 4-D filters.
// TFLite Micro ignores the field there; TFLite's InterpreterBuilder rejects
// the file ("quantized_dimension must be in range [0, 1). Was 3.").
//
// The repair sets the field to the only dimension it can mean: 0 when there
// is a single scale (per-tensor: the field is unused), otherwise the one
// dimension whose extent equals the number of scales. When no dimension, or
// more than one, fits, the tensor is left alone and TFLite's error stands.
// Valid fields are never touched, so the arithmetic is the model's own.
//
// The patch is applied to a copy of the file's bytes by walking the
// flatbuffer (Model.subgraphs[].tensors[].quantization) with bounds checks.

// Field slots of the TFLite schema (tflite_schema.fbs) that the walk needs.
const MODEL_SUBGRAPHS = 2;
const SUBGRAPH_TENSORS = 0;
const TENSOR_SHAPE = 0;
const TENSOR_QUANTIZATION = 4;
const QUANT_SCALE = 2;
const QUANT_DIMENSION = 6;

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  check(off, size, what) {
    if (!Number.isInteger(off) || off < 0 || off + size > this.bytes.length) {
      throw new Error(`malformed flatbuffer: ${what} at offset ${off} lies outside the file (${this.bytes.length} bytes)`);
    }
  }

  u32(off, what) { this.check(off, 4, what); return this.view.getUint32(off, true); }
  i32(off, what) { this.check(off, 4, what); return this.view.getInt32(off, true); }
  u16(off, what) { this.check(off, 2, what); return this.view.getUint16(off, true); }

  // fieldPos returns the absolute position of field slot `slot` of the table
  // at `table`, or 0 when the field is absent.
  fieldPos(table, slot, what) {
    const vtable = table - this.i32(table, `${what} vtable offset`);
    const vtSize = this.u16(vtable, `${what} vtable`);
    const entry = 4 + 2 * slot;
    if (entry + 2 > vtSize) return 0;
    const rel = this.u16(vtable + entry, `${what} vtable entry`);
    return rel === 0 ? 0 : table + rel;
  }

  // indirect follows the uoffset stored at pos.
  indirect(pos, what) { return pos + this.u32(pos, what); }

  // vector returns {start, length} of the vector in field `slot`, or null.
  vector(table, slot, what) {
    const pos = this.fieldPos(table, slot, what);
    if (pos === 0) return null;
    const vec = this.indirect(pos, what);
    const length = this.u32(vec, `${what} length`);
    this.check(vec + 4, length * 4, `${what} elements`);
    return { start: vec + 4, length };
  }

  // tables returns the absolute positions of the tables in a vector of tables.
  tables(table, slot, what) {
    const v = this.vector(table, slot, what);
    if (v === null) return [];
    const out = [];
    for (let i = 0; i < v.length; i++) out.push(this.indirect(v.start + 4 * i, `${what}[${i}]`));
    return out;
  }
}

/**
 * Chooses the quantized dimension for a tensor whose field is out of range:
 * 0 for per-tensor parameters, else the single dimension whose extent is the
 * number of scales; -1 when there is none or the choice is ambiguous.
 * @param {number[]} shape
 * @param {number} scales
 */
function repairDimension(shape, scales) {
  if (scales === 1) return 0;
  const fits = [];
  shape.forEach((d, i) => { if (d === scales) fits.push(i); });
  return fits.length === 1 ? fits[0] : -1;
}

/**
 * Repairs every out-of-range quantized_dimension that has one meaning (see
 * repairDimension). Returns the patched copy and the number of tensors
 * changed; `bytes` itself is left untouched.
 * @param {Uint8Array} bytes a .tflite file
 * @returns {{bytes: Uint8Array, patched: number}}
 */
function fixQuantizedDimension(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length < 8) {
    throw new Error(`not a TFLite model: ${bytes ? bytes.length : 0} bytes`);
  }
  const ident = String.fromCharCode(...bytes.subarray(4, 8));
  if (ident !== 'TFL3') {
    throw new Error(`not a TFLite model: file identifier ${JSON.stringify(ident)}, want "TFL3"`);
  }
  const out = new Uint8Array(bytes); // copy
  const r = new Reader(out);
  const model = r.u32(0, 'root table offset');
  let patched = 0;
  r.tables(model, MODEL_SUBGRAPHS, 'Model.subgraphs').forEach((sg, s) => {
    r.tables(sg, SUBGRAPH_TENSORS, `subgraph ${s} tensors`).forEach((tensor, t) => {
      const what = `subgraph ${s} tensor ${t}`;
      const qpos = r.fieldPos(tensor, TENSOR_QUANTIZATION, what);
      if (qpos === 0) return;
      const q = r.indirect(qpos, `${what} quantization`);
      const dimPos = r.fieldPos(q, QUANT_DIMENSION, `${what} quantization`);
      if (dimPos === 0) return; // absent means 0: always in range
      const scale = r.vector(q, QUANT_SCALE, `${what} scale`);
      if (scale === null || scale.length === 0) return; // not quantized: TFLite skips the check
      const sv = r.vector(tensor, TENSOR_SHAPE, `${what} shape`);
      const shape = [];
      if (sv !== null) for (let i = 0; i < sv.length; i++) shape.push(r.i32(sv.start + 4 * i, `${what} shape[${i}]`));
      const dim = r.i32(dimPos, `${what} quantized_dimension`);
      if (dim >= 0 && (shape.length === 0 || dim < shape.length)) return;
      const fixed = repairDimension(shape, scale.length);
      if (fixed < 0) return;
      r.view.setInt32(dimPos, fixed, true);
      patched++;
    });
  });
  return { bytes: out, patched };
}

module.exports = { fixQuantizedDimension, repairDimension };
