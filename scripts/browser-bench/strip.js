// Confer's time strip (media/synth/strip.go), in the page: stampStrip burns
// the capture time into the top band of a canvas the way synth.StampTime
// does into a frame, so a Confer bot receiving the browser's camera reads
// it; readStrip reads the band of a frame Confer's synthetic camera sent,
// as synth.ReadTime does, so the page measures capture → decoded latency.
//
// Layout: 40 blocks across the top band, each width/40 pixels wide (the
// remainder on the right grey), most significant bit first: the capture time
// as unix milliseconds mod 2^32, then a CRC-8 of those four bytes. White is
// 1, black 0. The band is max(8, height/24) rows, rounded up to even.
"use strict";

const STRIP_TIME_BITS = 32;
const STRIP_BITS = STRIP_TIME_BITS + 8;
const STRIP_READ = 126; // luma threshold between black and white
const STRIP_MARGIN = 30; // a block this close to the threshold is neither

// stripRows is synth.StripRows: the band's height, 0 if the picture is too short.
function stripRows(h) {
  const r = (Math.max(8, Math.floor(h / 24)) + 1) & ~1;
  return r > h ? 0 : r;
}

// crc8 is synth.crc8: CRC-8 (polynomial 0x07) of the value's four bytes,
// big-endian, xor 0x55, so an all-black or all-white band is never valid.
function crc8(v) {
  let crc = 0;
  for (let s = 24; s >= 0; s -= 8) {
    crc ^= (v >>> s) & 0xff;
    for (let i = 0; i < 8; i++) {
      crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    }
  }
  return crc ^ 0x55;
}

// stripBits is the 40-bit word as an array of bits, most significant first.
function stripBits(ms) {
  const bits = [];
  for (let i = STRIP_TIME_BITS - 1; i >= 0; i--) bits.push((ms >>> i) & 1);
  const c = crc8(ms);
  for (let i = 7; i >= 0; i--) bits.push((c >>> i) & 1);
  return bits;
}

// stampStrip draws time t (ms since the epoch) into the top band of a 2D
// context of a w×h canvas. Black and white RGB become luma 16 and 235 in the
// encoder's limited range, as Confer's blocks are; the grey remainder is
// neutral, as Confer's chroma across the band is.
function stampStrip(ctx, w, h, t) {
  const bw = Math.floor(w / STRIP_BITS);
  const bh = stripRows(h);
  if (bw === 0 || bh === 0) return;
  const bits = stripBits(Number(BigInt(Math.floor(t)) % 4294967296n));
  for (let i = 0; i < STRIP_BITS; i++) {
    ctx.fillStyle = bits[i] ? "#fff" : "#000";
    ctx.fillRect(i * bw, 0, bw, bh);
  }
  ctx.fillStyle = "rgb(130,130,130)"; // luma 128
  ctx.fillRect(STRIP_BITS * bw, 0, w - STRIP_BITS * bw, bh);
}

// luma is BT.601 limited-range Y of an RGB pixel: what the decoder's frame
// held before the browser turned it into RGB.
function luma(r, g, b) {
  return 16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256;
}

// readStripTime reads the band from RGBA pixels of the top stripRows(h) rows
// of a w×h frame (getImageData of that band, w wide) and returns the time
// in ms since the epoch nearest to now, or null when the band is absent or
// damaged. Like synth.ReadTime it reads only the middle of each block.
function readStripTime(pixels, w, h, now) {
  const bw = Math.floor(w / STRIP_BITS);
  const bh = stripRows(h);
  if (bw === 0 || bh === 0) return null;
  const mx = Math.floor(bw / 4), my = Math.floor(bh / 4);
  const n = (bw - 2 * mx) * (bh - 2 * my);
  const lo = (STRIP_READ - STRIP_MARGIN) * n, hi = (STRIP_READ + STRIP_MARGIN) * n;
  const bits = [];
  for (let i = 0; i < STRIP_BITS; i++) {
    let sum = 0;
    for (let y = my; y < bh - my; y++) {
      for (let x = i * bw + mx; x < (i + 1) * bw - mx; x++) {
        const p = (y * w + x) * 4;
        sum += luma(pixels[p], pixels[p + 1], pixels[p + 2]);
      }
    }
    if (sum > lo && sum < hi) return null;
    bits.push(sum > STRIP_READ * n ? 1 : 0);
  }
  let low = 0;
  for (let i = 0; i < STRIP_TIME_BITS; i++) low = low * 2 + bits[i];
  let crc = 0;
  for (let i = STRIP_TIME_BITS; i < STRIP_BITS; i++) crc = crc * 2 + bits[i];
  if (crc !== crc8(low)) return null;
  // Of all times agreeing with the strip mod 2^32 ms, the one nearest now.
  const wrap = 4294967296;
  let ms = now - (now % wrap) + low;
  if (ms - now > wrap / 2) ms -= wrap;
  else if (now - ms > wrap / 2) ms += wrap;
  return ms;
}

