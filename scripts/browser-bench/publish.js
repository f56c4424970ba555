// The page as a publisher: a camera made from a <canvas> and a microphone
// made from an oscillator, published with livekit-client like a call page's
// camera and microphone. The canvas shows what Confer's synthetic camera
// shows (media/synth/pattern.go): colour bars scrolling 4 px a frame and a
// white box bouncing below the time strip, so the encoder has the same kind
// of motion to code; and the strip (strip.js) carries each frame's capture
// time for a Confer bot to read.
"use strict";

const BARS = ["#fff", "#ff0", "#0ff", "#0f0", "#f0f", "#f00", "#00f", "#000"];

// startCanvasCamera draws the pattern fps times a second on a w×h canvas and
// returns the canvas's video track.
function startCanvasCamera(w, h, fps) {
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  canvas.id = "camera";
  document.getElementById("tiles").appendChild(canvas);
  const ctx = canvas.getContext("2d", { alpha: false });
  const box = Math.max(4, Math.floor(Math.min(w, h) / 6)) & ~1;
  const top = stripRows(h);
  let n = 0;
  const draw = () => {
    const off = (n * 4) % w;
    for (let i = 0; i < BARS.length; i++) {
      // Each bar is w/8 wide, drawn twice so the scrolled row wraps.
      const x = Math.floor((i * w) / BARS.length) - off;
      const bw = Math.floor(((i + 1) * w) / BARS.length) - Math.floor((i * w) / BARS.length);
      ctx.fillStyle = BARS[i];
      ctx.fillRect(x, 0, bw, h);
      ctx.fillRect(x + w, 0, bw, h);
    }
    const bx = bounce(n * 6, w - box) & ~1;
    const by = (top + bounce(n * 4, h - top - box)) & ~1;
    ctx.fillStyle = "#000";
    ctx.fillRect(bx, by, box, box);
    ctx.fillStyle = "#fff";
    ctx.fillRect(bx + 2, by + 2, box - 4, box - 4);
    stampStrip(ctx, w, h, Date.now());
    n++;
  };
  draw();
  setInterval(draw, 1000 / fps);
  return canvas.captureStream(fps).getVideoTracks()[0];
}

// bounce is synth's triangle wave: distance t folded onto [0, span].
function bounce(t, span) {
  if (span <= 0) return 0;
  const m = t % (2 * span);
  return m > span ? 2 * span - m : m;
}

// startToneMicrophone returns a 440 Hz tone's audio track.
function startToneMicrophone() {
  const ac = new AudioContext({ sampleRate: 48000 });
  const osc = ac.createOscillator();
  osc.frequency.value = 440;
  const gain = ac.createGain();
  gain.gain.value = 0.25;
  const dest = ac.createMediaStreamDestination();
  osc.connect(gain).connect(dest);
  osc.start();
  return dest.stream.getAudioTracks()[0];
}

// publishCamera publishes both tracks as Confer does: VP8 with the full
// size at most kbps kilobits a second, plus a simulcast layer about 320
// pixels wide at the full frame rate and Confer's small-layer rate
// (media/pipeline CameraLayers: an eighth of the full rate for 720p, at
// least 120 kbit/s; livekit-client's own 180p preset would cap it at
// 20 fps); Opus speech at 32 kbit/s.
async function publishCamera(room, { width, height, fps, kbps }) {
  const { Track, VideoPreset } = LivekitClient;
  const scale = Math.max(2, Math.floor(width / 320));
  const small = new VideoPreset(
    Math.floor(width / scale), Math.floor(height / scale),
    Math.max(120, Math.floor(kbps / (scale * scale)) * 2) * 1000, fps,
  );
  const video = startCanvasCamera(width, height, fps);
  const audio = startToneMicrophone();
  const lp = room.localParticipant;
  const videoPub = await lp.publishTrack(video, {
    source: Track.Source.Camera,
    videoCodec: "vp8",
    simulcast: true,
    videoSimulcastLayers: [small],
    videoEncoding: { maxBitrate: kbps * 1000, maxFramerate: fps },
  });
  await lp.publishTrack(audio, {
    source: Track.Source.Microphone,
    audioPreset: { maxBitrate: 32000 },
  });
  return videoPub.track;
}
