// Mirrors livekit-client 2.23.0 src/e2ee/utils.ts + worker/FrameCryptor.ts encode path
const { subtle } = globalThis.crypto;
const enc = new TextEncoder();
const SALT = 'LKFrameEncryptionKey';
const pass = 'correct horse battery staple';
const material = await subtle.importKey('raw', enc.encode(pass), { name: 'PBKDF2' }, false, ['deriveBits', 'deriveKey']);
const algo = { name: 'PBKDF2', salt: enc.encode(SALT), hash: 'SHA-256', iterations: 100000 };
const key = await subtle.deriveKey(algo, material, { name: 'AES-GCM', length: 128 }, true, ['encrypt', 'decrypt']);
const rawKey = new Uint8Array(await subtle.exportKey('raw', key));
const chain = new Uint8Array(await subtle.deriveBits(algo, material, 256));
const mat2 = await subtle.importKey('raw', chain, 'PBKDF2', false, ['deriveBits', 'deriveKey']);
const key2 = new Uint8Array(await subtle.exportKey('raw', await subtle.deriveKey(algo, mat2, { name: 'AES-GCM', length: 128 }, true, ['encrypt','decrypt'])));
const hex = (u) => Buffer.from(u).toString('hex');
const sendCounts = new Map();
function makeIV(ssrc, ts) {
  const iv = new ArrayBuffer(12); const v = new DataView(iv);
  if (!sendCounts.has(ssrc)) sendCounts.set(ssrc, Math.floor(Math.random() * 0xffff));
  const sc = sendCounts.get(ssrc);
  v.setUint32(0, ssrc); v.setUint32(4, ts); v.setUint32(8, ts - (sc % 0xffff));
  sendCounts.set(ssrc, sc + 1); return iv;
}
async function encFrame(data, unenc, keyIndex, ssrc, ts) {
  const iv = makeIV(ssrc, ts);
  const header = new Uint8Array(data.buffer, 0, unenc);
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new Uint8Array(data.buffer, 0, unenc) }, key, new Uint8Array(data.buffer, unenc));
  const out = new Uint8Array(unenc + ct.byteLength + 12 + 2);
  out.set(header); out.set(new Uint8Array(ct), unenc); out.set(new Uint8Array(iv), unenc + ct.byteLength);
  out[out.length - 2] = 12; out[out.length - 1] = keyIndex; return out;
}
const vp8Key = Uint8Array.from([0x10,0x02,0x00,0x9d,0x01,0x2a,0x08,0x00,0x08,0x00,0x00,0x47,0x08,0x85,0x85,0x88,0x85,0x84]);
const vp8Delta = Uint8Array.from([0x31,0x01,0x00,0xaa,0xbb,0xcc,0xdd]);
const opus = Uint8Array.from([0xf8,0xff,0xfe,1,2,3,4,5]);
console.log(JSON.stringify({
  rawKey: hex(rawKey), chainKey: hex(chain), ratchetedKey: hex(key2),
  vp8Key: { plain: hex(vp8Key), enc: hex(await encFrame(vp8Key, 10, 0, 0xdeadbeef, 90000)) },
  vp8Delta: { plain: hex(vp8Delta), enc: hex(await encFrame(vp8Delta, 3, 0, 0xdeadbeef, 93000)) },
  opus: { plain: hex(opus), enc: hex(await encFrame(opus, 1, 0, 0x01020304, 4294967000)) },
}, null, 1));
