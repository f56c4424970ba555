// A livekit-client participant with end-to-end encryption, as a web app
// sets it up for a shared passphrase: ExternalE2EEKeyProvider.setKey and
// the e2ee worker from the livekit-client package. It publishes a canvas
// (a moving pattern) as its camera, shows every remote video and counts the
// frames painted with requestVideoFrameCallback, and counts the
// encryption errors livekit-client reports per participant. run.mjs drives
// it and reads interopState().
"use strict";

const videos = new Map(); // identity → { presented, width, height }
const errors = new Map(); // identity ("" when unnamed) → count
let published = null; // the published track's encryption, once known

window.interopJoin = async (url, token, passphrase) => {
  const { Room, RoomEvent, Track, ExternalE2EEKeyProvider, LocalVideoTrack } = LivekitClient;
  const keyProvider = new ExternalE2EEKeyProvider();
  await keyProvider.setKey(passphrase);
  const worker = new Worker("node_modules/livekit-client/dist/livekit-client.e2ee.worker.mjs", { type: "module" });
  const room = new Room({ adaptiveStream: false, dynacast: false, e2ee: { keyProvider, worker } });
  room.on(RoomEvent.TrackSubscribed, (track, _pub, participant) => {
    const el = track.attach();
    document.getElementById("tiles").appendChild(el);
    if (track.kind === Track.Kind.Video) {
      countFrames(participant.identity, el);
    }
  });
  room.on(RoomEvent.EncryptionError, (_err, participant) => {
    const id = participant ? participant.identity : "";
    errors.set(id, (errors.get(id) || 0) + 1);
  });
  await room.setE2EEEnabled(true);
  await room.connect(url, token, { autoSubscribe: true });
  const canvas = movingCanvas();
  const track = new LocalVideoTrack(canvas.captureStream(30).getVideoTracks()[0]);
  const pub = await room.localParticipant.publishTrack(track, {
    source: Track.Source.Camera, videoCodec: "vp8", simulcast: false,
  });
  published = pub.trackInfo ? pub.trackInfo.encryption : null;
  window.interopRoom = room;
};

// movingCanvas draws a pattern that changes 30 times a second, so the
// encoder has frames to send.
function movingCanvas() {
  const canvas = document.createElement("canvas");
  canvas.width = 320;
  canvas.height = 240;
  document.getElementById("tiles").appendChild(canvas);
  const ctx = canvas.getContext("2d");
  let n = 0;
  setInterval(() => {
    n++;
    ctx.fillStyle = `hsl(${(n * 7) % 360}, 70%, 50%)`;
    ctx.fillRect(0, 0, 320, 240);
    ctx.fillStyle = "#fff";
    ctx.fillRect((n * 5) % 300, 100, 20, 40);
  }, 33);
  return canvas;
}

function countFrames(id, el) {
  const v = { presented: 0, width: 0, height: 0 };
  videos.set(id, v);
  const onFrame = (_now, meta) => {
    v.presented++;
    v.width = meta.width;
    v.height = meta.height;
    el.requestVideoFrameCallback(onFrame);
  };
  el.requestVideoFrameCallback(onFrame);
}

window.interopState = () => ({
  videos: Object.fromEntries(videos),
  errors: Object.fromEntries(errors),
  published,
});
