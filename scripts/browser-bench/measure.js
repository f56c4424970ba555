// What the page measures of a call, in the terms `confer bot --stats` uses,
// so the bench can put a browser beside a Confer bot: for each remote video,
// frames decoded per second, freezes (gaps over 200 ms between frames shown)
// and the longest, capture → shown latency from Confer's time strip, the
// received bitrate and the layer (frame width); for each remote microphone,
// the share of audio concealed; for the connection, the transport of the
// selected ICE candidate pair and, when publishing, what was sent and the
// browser's estimate of its uplink.
"use strict";

const FREEZE_MS = 200;

const measured = {
  videos: new Map(), // identity → per-video measurements
  audios: new Map(), // identity → { track }
  sender: null, // the published camera track
  states: [], // { unix_ms, state } connection changes
  polls: [], // once a second: { unix_ms, videos: {id: inbound}, audio, sender, transport }
};

// watchVideo measures a remote camera shown in el: every frame shown
// (requestVideoFrameCallback) is timed, and its time strip read. A camera
// subscribed again (after a reconnection, with a new element) goes on in
// the same record, so the gap between the two counts as a freeze.
function watchVideo(id, el, track) {
  let v = measured.videos.get(id);
  if (!v) {
    v = {
      shown: 0, firstAt: 0, lastAt: 0, decodedAtFirst: 0, decodedAtLast: 0, decodedBase: 0,
      freezes: [], freezeCount: 0, longest: 0, latencies: [], width: 0, height: 0,
    };
    measured.videos.set(id, v);
  } else {
    // The new element counts decoded frames from zero.
    v.decodedBase = v.decodedAtLast;
  }
  v.el = el;
  v.track = track;
  const band = document.createElement("canvas");
  const bctx = band.getContext("2d", { willReadFrequently: true });
  const onFrame = (_now, meta) => {
    if (v.el !== el) return; // replaced by a newer subscription
    // The frame went to the compositor at meta.presentationTime (page
    // clock); Date.now() - performance.now() turns that into unix time.
    const at = Date.now() - performance.now() + meta.presentationTime;
    const decoded = v.decodedBase + el.getVideoPlaybackQuality().totalVideoFrames;
    if (v.shown === 0) {
      v.firstAt = at;
      v.decodedAtFirst = decoded;
    } else {
      const gap = at - v.lastAt;
      v.longest = Math.max(v.longest, gap);
      if (gap > FREEZE_MS) {
        v.freezeCount++;
        if (v.freezes.length < 100) v.freezes.push({ from_unix_ms: Math.round(v.lastAt), to_unix_ms: Math.round(at) });
      }
    }
    v.shown++;
    v.lastAt = at;
    v.decodedAtLast = decoded;
    v.width = meta.width;
    v.height = meta.height;
    const t = readFrameTime(el, meta.width, meta.height, band, bctx);
    if (t !== null && v.latencies.length < 100000) v.latencies.push(at - t);
    el.requestVideoFrameCallback(onFrame);
  };
  el.requestVideoFrameCallback(onFrame);
}

// readFrameTime draws the top band of the frame shown in el, at its own
// size, and reads Confer's time strip from it.
function readFrameTime(el, w, h, band, bctx) {
  const rows = stripRows(h);
  if (rows === 0) return null;
  if (band.width !== w || band.height !== rows) {
    band.width = w;
    band.height = rows;
  }
  bctx.drawImage(el, 0, 0, w, rows, 0, 0, w, rows);
  return readStripTime(bctx.getImageData(0, 0, w, rows).data, w, h, Date.now());
}

// pollStats reads getStats once a second: counters that only make sense as
// rates or latest values.
async function pollStats() {
  const poll = { unix_ms: Date.now(), videos: {}, audios: {}, sender: null, transport: null };
  for (const [id, v] of measured.videos) {
    const r = await v.track.getRTCStatsReport();
    if (!r) continue;
    for (const s of r.values()) {
      if (s.type === "inbound-rtp" && s.kind === "video") {
        poll.videos[id] = {
          bytes: s.bytesReceived, frames: s.framesDecoded, width: s.frameWidth || 0,
          nacks: s.nackCount, rtx: s.retransmittedPacketsReceived, lost: s.packetsLost,
          jitterDelay: s.jitterBufferDelay, jitterEmitted: s.jitterBufferEmittedCount,
        };
      }
    }
    poll.transport = poll.transport || selectedTransport(r);
  }
  for (const [id, a] of measured.audios) {
    const r = await a.track.getRTCStatsReport();
    if (!r) continue;
    for (const s of r.values()) {
      if (s.type === "inbound-rtp" && s.kind === "audio") {
        poll.audios[id] = { concealed: s.concealedSamples, samples: s.totalSamplesReceived };
      }
    }
    poll.transport = poll.transport || selectedTransport(r);
  }
  if (measured.sender) {
    const r = await measured.sender.getRTCStatsReport();
    if (r) {
      const out = { bytes: 0, widths: [], limitation: "" };
      for (const s of r.values()) {
        if (s.type === "outbound-rtp" && s.kind === "video") {
          out.bytes += s.bytesSent;
          if (s.frameWidth) out.widths.push(s.frameWidth);
          if (s.qualityLimitationReason && s.qualityLimitationReason !== "none") out.limitation = s.qualityLimitationReason;
        }
      }
      const tr = selectedTransport(r);
      out.estimateKbps = tr && tr.availableOutgoingBitrate ? tr.availableOutgoingBitrate / 1000 : null;
      poll.sender = out;
      poll.transport = poll.transport || tr;
    }
  }
  measured.polls.push(poll);
}

// selectedTransport is the selected ICE candidate pair of a stats report:
// its local candidate's protocol (udp or tcp) and type, and the estimate of
// the outgoing bitrate the pair carries.
function selectedTransport(report) {
  let pair = null;
  for (const s of report.values()) {
    if (s.type === "transport" && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
  }
  if (!pair) {
    for (const s of report.values()) {
      if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") pair = s;
    }
  }
  if (!pair) return null;
  const local = report.get(pair.localCandidateId) || {};
  return {
    protocol: local.protocol || "", type: local.candidateType || "",
    availableOutgoingBitrate: pair.availableOutgoingBitrate || 0,
  };
}

// sumDeltas adds up how much a counter grew from poll to poll; a counter
// that went back started again (a new track after a reconnection).
function sumDeltas(values) {
  let sum = 0;
  for (let i = 1; i < values.length; i++) {
    const [a, b] = [values[i - 1], values[i]];
    if (typeof b !== "number") continue;
    sum += typeof a === "number" && b >= a ? b - a : b;
  }
  return sum;
}

// benchReport sums everything up for the bench (see netbad_page.go).
window.benchReport = () => {
  const polls = measured.polls;
  const last = polls[polls.length - 1] || { videos: {}, audios: {} };
  const out = { unix_ms: Date.now(), states: measured.states, videos: {}, audios: {}, transport: last.transport };
  for (const [id, v] of measured.videos) {
    const span = (v.lastAt - v.firstAt) / 1000;
    const stats = polls.filter((p) => p.videos[id]);
    const series = (key) => stats.map((p) => p.videos[id][key]);
    const secs = stats.length > 1 ? (stats[stats.length - 1].unix_ms - stats[0].unix_ms) / 1000 : 0;
    const end = stats.length ? stats[stats.length - 1].videos[id] : null;
    out.videos[id] = {
      frames_shown: v.shown,
      fps: span > 0 ? (v.decodedAtLast - v.decodedAtFirst) / span : 0,
      first_unix_ms: Math.round(v.firstAt), last_unix_ms: Math.round(v.lastAt),
      freezes: v.freezes, freeze_count: v.freezeCount, longest_freeze_ms: v.longest,
      latency_ms: percentiles(v.latencies), latency_samples: v.latencies.length,
      width: v.width, height: v.height,
      widths: [...new Set(series("width").filter((w) => w > 0))],
      kbps: secs > 0 ? (sumDeltas(series("bytes")) * 8) / 1000 / secs : 0,
      nacks: end && typeof end.nacks === "number" ? sumDeltas(series("nacks")) : null,
      rtx: end && typeof end.rtx === "number" ? sumDeltas(series("rtx")) : null,
      jitter_buffer_ms: end && end.jitterEmitted ? (1000 * end.jitterDelay) / end.jitterEmitted : null,
    };
  }
  for (const id of measured.audios.keys()) {
    const stats = polls.filter((p) => p.audios[id]);
    const samples = sumDeltas(stats.map((p) => p.audios[id].samples));
    const concealed = sumDeltas(stats.map((p) => p.audios[id].concealed));
    out.audios[id] = samples > 0 ? { concealed_pct: (100 * concealed) / samples } : {};
  }
  const sent = polls.filter((p) => p.sender);
  if (sent.length > 1) {
    const a = sent[0], b = sent[sent.length - 1];
    out.sender = {
      kbps: (sumDeltas(sent.map((p) => p.sender.bytes)) * 8) / 1000 / ((b.unix_ms - a.unix_ms) / 1000),
      estimate_kbps: b.sender.estimateKbps,
      widths: b.sender.widths, limitation: b.sender.limitation,
    };
  }
  return out;
};

function percentiles(v) {
  if (v.length === 0) return { p50: 0, p95: 0 };
  const s = [...v].sort((a, b) => a - b);
  const at = (q) => s[Math.floor(q * (s.length - 1))];
  return { p50: at(0.5), p95: at(0.95) };
}
