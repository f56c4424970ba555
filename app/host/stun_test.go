package host

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"confer/app/roomkeys"
	"github.com/gorilla/websocket"
	"github.com/livekit/protocol/livekit"
	"github.com/pion/stun/v3"
	"google.golang.org/protobuf/proto"
)

// askSTUN sends one Binding request to addr with pion's STUN client and
// returns the XOR-MAPPED-ADDRESS of the answer and the client's own address.
func askSTUN(t *testing.T, addr string) (mapped stun.XORMappedAddress, local *net.UDPAddr) {
	t.Helper()
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatalf("dial STUN: %v", err)
	}
	c, err := stun.NewClient(conn, stun.WithRTO(100*time.Millisecond))
	if err != nil {
		t.Fatalf("STUN client: %v", err)
	}
	defer c.Close()
	var answerErr error
	err = c.Do(stun.MustBuild(stun.TransactionID, stun.BindingRequest, stun.Fingerprint), func(e stun.Event) {
		if answerErr = e.Error; answerErr == nil {
			answerErr = mapped.GetFrom(e.Message)
		}
	})
	if err == nil {
		err = answerErr
	}
	if err != nil {
		t.Fatalf("STUN Binding to %s: %v", addr, err)
	}
	return mapped, conn.LocalAddr().(*net.UDPAddr)
}

func TestSTUNResponderAnswersBinding(t *testing.T) {
	r, err := listenSTUN("127.0.0.1", 0, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mapped, local := askSTUN(t, r.Addr().String())
	if !mapped.IP.Equal(local.IP) || mapped.Port != local.Port {
		t.Fatalf("XOR-MAPPED-ADDRESS %s, want the client's %s", mapped, local)
	}
}

func bindingRequest(t testing.TB, setters ...stun.Setter) []byte {
	t.Helper()
	m, err := stun.Build(append([]stun.Setter{stun.TransactionID, stun.BindingRequest}, setters...)...)
	if err != nil {
		t.Fatal(err)
	}
	return m.Raw
}

func TestBindingResponse(t *testing.T) {
	for _, from := range []netip.AddrPort{
		netip.MustParseAddrPort("192.168.1.20:50000"),
		netip.MustParseAddrPort("[::ffff:10.0.0.7]:1"), // IPv4 seen on a dual-stack socket
		netip.MustParseAddrPort("[fd00::1]:65535"),
	} {
		req := bindingRequest(t)
		resp, ok := bindingResponse(req, from)
		if !ok {
			t.Fatalf("%s: no answer to a bare Binding request", from)
		}
		checkBindingSuccess(t, req, resp, from)
	}
}

// checkBindingSuccess fails unless resp is the right answer to req from "from".
func checkBindingSuccess(t testing.TB, req, resp []byte, from netip.AddrPort) {
	t.Helper()
	m := &stun.Message{Raw: resp}
	if err := m.Decode(); err != nil {
		t.Fatalf("answer does not decode: %v", err)
	}
	if m.Type != stun.BindingSuccess || !bytes.Equal(m.TransactionID[:], req[8:20]) {
		t.Fatalf("answer is %s with transaction %x, request had %x", m.Type, m.TransactionID, req[8:20])
	}
	if err := stun.Fingerprint.Check(m); err != nil {
		t.Fatalf("answer's fingerprint: %v", err)
	}
	var got stun.XORMappedAddress
	if err := got.GetFrom(m); err != nil {
		t.Fatalf("answer's XOR-MAPPED-ADDRESS: %v", err)
	}
	want := from.Addr().Unmap()
	if ip, _ := netip.AddrFromSlice(got.IP); ip.Unmap() != want || got.Port != int(from.Port()) {
		t.Fatalf("XOR-MAPPED-ADDRESS %s, want %s", got, from)
	}
	if len(resp) > 52 || len(resp) > 3*len(req) {
		t.Fatalf("answer is %d bytes for a %d-byte request", len(resp), len(req))
	}
}

func TestBindingResponseIgnoresEverythingElse(t *testing.T) {
	from := netip.MustParseAddrPort("127.0.0.1:4000")
	good := bindingRequest(t, stun.Fingerprint)
	badFingerprint := bytes.Clone(good)
	badFingerprint[len(badFingerprint)-1] ^= 1
	shortLength := bytes.Clone(good)
	shortLength[3] -= 8 // header says the message ends before FINGERPRINT
	cases := map[string][]byte{
		"empty":            nil,
		"rtp":              {0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		"dtls":             {22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10},
		"header only half": good[:10],
		"truncated":        good[:len(good)-4],
		"trailing bytes":   append(bytes.Clone(good), 0, 0, 0, 0),
		"short length":     shortLength,
		"bad fingerprint":  badFingerprint,
		"indication":       stun.MustBuild(stun.TransactionID, stun.NewType(stun.MethodBinding, stun.ClassIndication)).Raw,
		"success":          stun.MustBuild(stun.TransactionID, stun.BindingSuccess).Raw,
		"allocate":         stun.MustBuild(stun.TransactionID, stun.NewType(stun.MethodAllocate, stun.ClassRequest)).Raw,
	}
	for name, req := range cases {
		if resp, ok := bindingResponse(req, from); ok {
			t.Errorf("%s: answered with %d bytes", name, len(resp))
		}
	}
	if _, ok := bindingResponse(good, from); !ok {
		t.Fatal("no answer to a Binding request with a good fingerprint")
	}
}

func TestSourceLimiter(t *testing.T) {
	l := newSourceLimiter()
	a := netip.MustParseAddr("10.0.0.1")
	b := netip.MustParseAddr("10.0.0.2")
	now := time.Unix(1000, 0)
	for i := range stunBurst {
		if !l.allow(a, now) {
			t.Fatalf("answer %d of the burst refused", i+1)
		}
	}
	if l.allow(a, now) {
		t.Fatal("answer beyond the burst allowed")
	}
	if !l.allow(b, now) {
		t.Fatal("another source is limited by the first one's use")
	}
	if !l.allow(a, now.Add(time.Second/stunPerSecond)) {
		t.Fatal("no answer after the bucket refilled one token")
	}
}

func TestSourceLimiterFailsClosedWhenFull(t *testing.T) {
	l := newSourceLimiter()
	now := time.Unix(1000, 0)
	for i := range stunMaxSources {
		l.allow(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), now)
	}
	stranger := netip.MustParseAddr("192.0.2.1")
	if l.allow(stranger, now) {
		t.Fatal("a new source was let in while the table was full of active ones")
	}
	// Once the others have been quiet long enough to be full again, they
	// are forgotten and there is room.
	if !l.allow(stranger, now.Add(10*time.Second)) {
		t.Fatal("a new source was refused after the others went quiet")
	}
	if len(l.buckets) != 1 {
		t.Fatalf("%d sources tracked after the sweep, want 1", len(l.buckets))
	}
}

func TestSTUNPort(t *testing.T) {
	cases := []struct {
		cfg      Config
		port     int
		explicit bool
	}{
		{Config{}, 0, false},
		{Config{RTCUDPPort: DefaultRTCUDPPort}, DefaultRTCUDPPort + 1, false},
		{Config{RTCUDPPort: 65535}, 0, false},
		{Config{RTCUDPPort: DefaultRTCUDPPort, STUNPort: 3478}, 3478, true},
		{Config{STUNPort: 3478}, 3478, true},
	}
	for _, c := range cases {
		if port, explicit := stunPort(c.cfg); port != c.port || explicit != c.explicit {
			t.Errorf("stunPort(udp %d, stun %d) = %d, %v; want %d, %v",
				c.cfg.RTCUDPPort, c.cfg.STUNPort, port, explicit, c.port, c.explicit)
		}
	}
}

func TestLiveKitConfigICEAndCongestionControl(t *testing.T) {
	cfg := Config{Keys: roomkeys.Keys{APIKey: "APItest", APISecret: strings.Repeat("s", 40)}}
	ports := portSet{internal: 7880, udp: 7882, tcp: 7881, stun: 7883}
	conf, err := liveKitConfig(cfg, "127.0.0.1", "127.0.0.1", ports)
	if err != nil {
		t.Fatal(err)
	}
	if got := conf.RTC.STUNServers; len(got) != 1 || got[0] != "127.0.0.1:7883" {
		t.Errorf("stun_servers = %q, want just the responder", got)
	}
	cc := conf.RTC.CongestionControl
	if !cc.Enabled || !cc.UseSendSideBWE || cc.UseSendSideBWEInterceptor || cc.AllowPause {
		t.Errorf("congestion_control = %+v", cc)
	}
	if cc.SendSideBWEPacer == "" {
		t.Error("setting some congestion_control keys lost LiveKit's defaults for the others")
	}
	cd := cc.SendSideBWE.CongestionDetector
	if cd.LossCongestedJQR.MinNumberOfGroups != 2 || cd.LossCongestedDQR.MinDuration != 200*time.Millisecond {
		t.Errorf("congestion detector = %+v", cd)
	}
	if cd.PacketGroup.MaxWindowDuration != 500*time.Millisecond || cd.JQRMinWeightedLoss != 0.25 || cd.QueuingDelayCongestedJQR.MinNumberOfGroups != 4 {
		t.Errorf("setting some congestion detector keys lost LiveKit's defaults for the others: %+v", cd)
	}
}

// joinICEServers joins a room over LiveKit's signalling websocket, as
// clients do, and returns the ICE servers the join response hands out.
func joinICEServers(t *testing.T, s *Server) []*livekit.ICEServer {
	t.Helper()
	token, err := roomkeys.MintToken(s.Keys(), roomkeys.TokenRequest{Room: "4242", User: "probe"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// protocol 17 is what server-sdk-go v2.17 speaks.
	url := s.URL() + "/rtc?protocol=17&auto_subscribe=0&sdk=go"
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, url, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatalf("signal connection: %v", err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("no join response: %v", err)
		}
		var res livekit.SignalResponse
		if err := proto.Unmarshal(data, &res); err != nil {
			t.Fatalf("signal message: %v", err)
		}
		if join := res.GetJoin(); join != nil {
			return join.IceServers
		}
	}
}

// TestServerHandsOutOwnSTUN starts a server with automatic ports and checks
// that clients are told about its STUN responder and nothing else, that the
// responder answers there, and that Close releases its port.
func TestServerHandsOutOwnSTUN(t *testing.T) {
	s := startTestServer(t, "")
	stunAddr := s.STUNAddr().String()

	var urls []string
	for _, is := range joinICEServers(t, s) {
		urls = append(urls, is.Urls...)
	}
	if len(urls) != 1 || urls[0] != "stun:"+stunAddr {
		t.Fatalf("join response ICE servers %q, want only stun:%s", urls, stunAddr)
	}

	mapped, local := askSTUN(t, stunAddr)
	if !mapped.IP.Equal(local.IP) || mapped.Port != local.Port {
		t.Fatalf("XOR-MAPPED-ADDRESS %s, want %s", mapped, local)
	}

	s.Close()
	c, err := net.ListenPacket("udp", stunAddr)
	if err != nil {
		t.Fatalf("STUN port still held after Close: %v", err)
	}
	c.Close()
}

func FuzzBindingResponse(f *testing.F) {
	f.Add(bindingRequest(f), false, uint16(50000))
	f.Add(bindingRequest(f, stun.Fingerprint), true, uint16(1))
	f.Add(bindingRequest(f, stun.NewUsername("a:b"), stun.NewShortTermIntegrity("pw"), stun.Fingerprint), false, uint16(9))
	f.Fuzz(func(t *testing.T, req []byte, v6 bool, port uint16) {
		from := netip.AddrPortFrom(netip.MustParseAddr("203.0.113.9"), port)
		if v6 {
			from = netip.AddrPortFrom(netip.MustParseAddr("2001:db8::9"), port)
		}
		in := bytes.Clone(req)
		resp, ok := bindingResponse(req, from)
		if !bytes.Equal(in, req) {
			t.Fatal("bindingResponse changed the request")
		}
		if ok {
			checkBindingSuccess(t, req, resp, from)
		}
	})
}

func TestLiveKitConfigNoticesAStoppedLayerSoon(t *testing.T) {
	cfg := Config{Keys: roomkeys.Keys{APIKey: "APItest", APISecret: strings.Repeat("s", 40)}}
	conf, err := liveKitConfig(cfg, "127.0.0.1", "127.0.0.1", portSet{internal: 7880, udp: 7882, tcp: 7881, stun: 7883})
	if err != nil {
		t.Fatal(err)
	}
	video := conf.Video.StreamTrackerManager.Video
	if video.StreamTrackerType != "packet" {
		t.Errorf("stream tracker %q, want packet", video.StreamTrackerType)
	}
	for layer, want := range map[int32]time.Duration{0: 500 * time.Millisecond, 1: 200 * time.Millisecond, 2: 200 * time.Millisecond} {
		got := video.PacketTracker[layer]
		if got.CycleDuration != want || got.SamplesRequired == 0 || got.CyclesRequired == 0 {
			t.Errorf("layer %d: %+v, want a %v cycle", layer, got, want)
		}
	}
	if conf.Video.StreamTrackerManager.Screenshare.PacketTracker[0].CycleDuration != 2*time.Second {
		t.Error("setting the camera's tracker lost LiveKit's for screens")
	}
}
