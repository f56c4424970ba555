// Package host runs a LiveKit node inside confer-server's process: its
// `serve`, which `confer serve` and the window's "Host on this computer"
// run (the window's program links no server). One public HTTP listener
// serves the token endpoint and forwards everything else (signalling
// websockets, the admin API) to the node, so a team opens one TCP port for
// signalling plus the two RTC ports.
package host

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/livekit/livekit-server/pkg/config"
	"github.com/livekit/livekit-server/pkg/routing"
	"github.com/livekit/livekit-server/pkg/service"
	"github.com/livekit/livekit-server/pkg/telemetry/prometheus"
	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/logger"
	"gopkg.in/yaml.v3"

	"confer/app"
	"confer/app/roomkeys"
)

// Config is what `confer serve` takes from its flags. Port 0 picks free ports
// (tests use that); the defaults are LiveKit's usual ones.
type Config struct {
	Bind       string // address to listen on; "" means loopback only
	Port       int    // signalling and token endpoint (TCP)
	RTCUDPPort int    // one UDP port for all media
	RTCTCPPort int    // ICE over TCP, for networks that block UDP
	STUNPort   int    // UDP, our STUN responder; 0: RTCUDPPort+1, or free if that is 0
	Keys       roomkeys.Keys
	Password   string       // join password asked by the token endpoint, if set
	Redis      RedisOptions // makes this node part of a cluster
	// PublicURL is how clients reach this node (ws:// or wss://), when not
	// the bound address: behind a proxy, or a certificate's host name. A
	// cluster's nodes tell it to clients that fail over.
	PublicURL       string
	MaxParticipants int // per room; 0 means no limit
	// TLSCertFile and TLSKeyFile, when set, make the front port speak TLS
	// (wss:// and https://) with this PEM certificate and key. Media is
	// not affected: WebRTC encrypts it with DTLS-SRTP either way.
	TLSCertFile, TLSKeyFile string
	LogLevel                string // LiveKit's and pion's log level (debug, info, warn, error, fatal); default "error"
	Log                     *slog.Logger
}

// Defaults used by `confer serve`.
const (
	DefaultPort       = 7880
	DefaultRTCTCPPort = 7881
	DefaultRTCUDPPort = 7882
)

// Server is a running room server.
type Server struct {
	cfg      Config
	lk       *service.LivekitServer
	front    *http.Server
	ln       net.Listener
	stun     *stunResponder
	dir      *directory
	url      string
	lkDone   chan error
	stopOnce sync.Once
}

// ErrStartTimeout is returned when the LiveKit node does not come up in time.
var ErrStartTimeout = errors.New("room server did not start in time")

// Start runs a LiveKit node and the front listener, returning when both serve.
// Ports left at 0 are picked free; since another process can take a picked
// port before LiveKit binds it, a start that finds one in use tries again
// with new ones.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	auto := cfg.Port == 0 || cfg.RTCUDPPort == 0 || cfg.RTCTCPPort == 0
	for attempt := 1; ; attempt++ {
		s, err := start(ctx, cfg)
		if err == nil || !auto || attempt == 3 || !errors.Is(err, syscall.EADDRINUSE) {
			return s, err
		}
	}
}

func start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Keys.APIKey == "" || cfg.Keys.APISecret == "" {
		return nil, errors.New("room server needs an API key and secret")
	}
	lkLog, err := liveKitLogger(&cfg)
	if err != nil {
		return nil, err
	}
	certs, err := frontCerts(cfg)
	if err != nil {
		return nil, err
	}
	bind := cfg.Bind
	if bind == "" {
		bind = "127.0.0.1"
	}
	nodeIP := nodeIPFor(bind)
	ln, err := net.Listen("tcp", net.JoinHostPort(bind, strconv.Itoa(cfg.Port)))
	if err != nil {
		return nil, fmt.Errorf("cannot listen for signalling: %w", err)
	}
	// The responder binds before the RTC ports are picked, so that a free
	// UDP port picked (and let go) for media cannot be handed to it too.
	stunSrv, err := openSTUN(nodeIP, cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	closeBoth := func() { stunSrv.Close(); ln.Close() }
	ports, err := pickPorts(bind, cfg)
	if err != nil {
		closeBoth()
		return nil, err
	}
	ports.stun = stunSrv.Addr().Port
	conf, err := liveKitConfig(cfg, bind, nodeIP, ports)
	if err != nil {
		closeBoth()
		return nil, err
	}
	lk, err := newLiveKit(conf, lkLog)
	if err != nil {
		closeBoth()
		return nil, err
	}
	s := &Server{cfg: cfg, lk: lk, ln: ln, stun: stunSrv, lkDone: make(chan error, 1)}
	s.url = "ws://" + advertisedHost(bind, ln.Addr())
	front := ln
	if certs != nil {
		s.url = "wss://" + advertisedHost(bind, ln.Addr())
		front = tls.NewListener(ln, certs.tlsConfig())
	}
	go func() { s.lkDone <- lk.Start() }()
	if cfg.PublicURL != "" {
		s.url = cfg.PublicURL
	}
	if err := s.waitRunning(ctx); err != nil {
		lk.Stop(true)
		closeBoth()
		return nil, err
	}
	if s.dir, err = newDirectory(livekit.NodeID(lk.Node().Id), s.url, cfg.Redis); err != nil {
		lk.Stop(true)
		closeBoth()
		return nil, fmt.Errorf("room server: %w", err)
	}
	s.front = s.newFront()
	go func() {
		if err := s.front.Serve(front); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Log.Error("front listener stopped", "err", err)
		}
	}()
	return s, nil
}

// URL is the address clients use, ws://host:port (wss:// with TLS).
func (s *Server) URL() string { return s.url }

// Addr is the front listener's address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// STUNAddr is the address of the STUN responder that clients are told to use.
func (s *Server) STUNAddr() *net.UDPAddr { return s.stun.Addr() }

// Keys returns the keys the server signs and checks tokens with.
func (s *Server) Keys() roomkeys.Keys { return s.cfg.Keys }

// Close stops accepting, disconnects everyone and stops the node.
func (s *Server) Close() error {
	s.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.dir.close() // first, so that no client fails over to this node
		_ = s.front.Shutdown(ctx)
		s.lk.Stop(true)
		<-s.lkDone
		_ = s.stun.Close()
	})
	return nil
}

// waitRunning waits for the node's HTTP side to be up. LiveKit has no ready
// signal, so this asks IsRunning on a short timer, bounded by ctx and 15 s.
func (s *Server) waitRunning(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !s.lk.IsRunning() {
		select {
		case err := <-s.lkDone:
			if err == nil {
				err = errors.New("stopped while starting")
			}
			return fmt.Errorf("room server: %w", err)
		case <-ctx.Done():
			return ErrStartTimeout
		case <-tick.C:
		}
	}
	return nil
}

// newFront serves the token and cluster endpoints and, for everything else,
// the LiveKit node's own handler in this process. A reverse proxy to the
// node's port stood there before: Go's proxy closes both sides of an
// upgraded connection as soon as one direction ends, so a client whose
// message to the node failed because the node had just closed (a room
// closed while the app was sending a candidate) lost what the node had
// written last, the room's closing and its reason (leave_test.go).
func (s *Server) newFront() *http.Server {
	mux := http.NewServeMux()
	mux.Handle(app.TokenEndpointPath, newTokenHandler(s.cfg.Keys, s.cfg.Password, s.roomFull))
	mux.Handle(app.ClusterPath, &clusterHandler{keys: s.cfg.Keys, dir: s.dir, log: s.cfg.Log.Warn})
	mux.Handle("/", s.lk.Handler())
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// Failed TLS handshakes (scanners, clients that do not trust the
		// certificate) are the client's business: debug level only.
		ErrorLog: slog.NewLogLogger(s.cfg.Log.Handler(), slog.LevelDebug),
	}
}

// frontCerts reads the front port's certificate, when TLS is asked for.
func frontCerts(cfg Config) (*certFiles, error) {
	if cfg.TLSCertFile == "" && cfg.TLSKeyFile == "" {
		return nil, nil
	}
	return loadCertFiles(cfg.TLSCertFile, cfg.TLSKeyFile, cfg.Log)
}

// roomFull tells whether a room exists on this node and has no free place.
func (s *Server) roomFull(name string) bool {
	r := s.lk.RoomManager().GetRoom(context.Background(), livekit.RoomName(name))
	if r == nil {
		return false
	}
	max := r.ToProto().MaxParticipants
	return max > 0 && r.GetParticipantCount() >= int(max)
}

type portSet struct {
	internal int // the LiveKit node's own HTTP port, loopback only
	udp, tcp int
	stun     int // the STUN responder's, already bound
}

// pickPorts fills in ports left at 0 with free ones.
func pickPorts(bind string, cfg Config) (portSet, error) {
	var p portSet
	var err error
	if p.internal, err = freeTCPPort("127.0.0.1"); err != nil {
		return p, err
	}
	if p.udp = cfg.RTCUDPPort; p.udp == 0 {
		if p.udp, err = freeUDPPort(bind); err != nil {
			return p, err
		}
	}
	if p.tcp = cfg.RTCTCPPort; p.tcp == 0 {
		if p.tcp, err = freeTCPPort(bind); err != nil {
			return p, err
		}
	}
	return p, nil
}

func freeTCPPort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func freeUDPPort(host string) (int, error) {
	c, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// nodeIPFor is the address the node advertises in its ICE candidates and
// where the STUN responder listens. Bound to one address: that one. Bound to
// all: the LAN's.
func nodeIPFor(bind string) string {
	if ip := net.ParseIP(bind); ip == nil || ip.IsUnspecified() {
		return lanIPv4()
	}
	return bind
}

// liveKitConfig builds the node's configuration, as livekit-server would
// read it from its YAML file.
func liveKitConfig(cfg Config, bind, nodeIP string, ports portSet) (*config.Config, error) {
	ip := net.ParseIP(bind)
	doc := map[string]any{
		"port":           ports.internal,
		"bind_addresses": []string{"127.0.0.1"},
		"keys":           map[string]string{cfg.Keys.APIKey: cfg.Keys.APISecret},
		"rtc": map[string]any{
			"udp_port":                  ports.udp,
			"tcp_port":                  ports.tcp,
			"node_ip":                   nodeIP,
			"use_external_ip":           false,
			"enable_loopback_candidate": true,
			// Without this the node tells every client to ask Google's STUN
			// servers for their address. On a LAN that is useless, and it
			// sends traffic off the machine. It must not be the media port
			// either (Chromium would eat the SFU's packets as STUN answers):
			// it is our own responder, see stun.go.
			"stun_servers":       []string{net.JoinHostPort(nodeIP, strconv.Itoa(ports.stun))},
			"congestion_control": congestionControl(),
			// A newcomer's first picture waits for a keyframe, and LiveKit
			// lets a publisher be asked for one at most once a second (per
			// layer). A request the throttle drops is asked again only
			// 200 ms later (the down track's retry), so a 100 ms throttle
			// still made a joiner wait 200 ms more whenever someone else's
			// request had gone through just before (a viewer leaving as
			// another joins). Publishers pace their own keyframes (Confer's,
			// media/video/keyframeasks.go; browsers, 300 ms apart): the
			// server only merges requests that come together.
			"pli_throttle": map[string]any{"low_quality": pliThrottle, "mid_quality": pliThrottle, "high_quality": pliThrottle},
		},
		"video": map[string]any{"stream_tracker_manager": map[string]any{"video": cameraStreamTracker()}},
		"room": map[string]any{
			"auto_create":      true,
			"max_participants": cfg.MaxParticipants,
			"empty_timeout":    300,
		},
	}
	if ip != nil && !ip.IsUnspecified() && !ip.IsLoopback() {
		// Media candidates on the bound address only, so a server bound to
		// one interface is reached through that interface.
		doc["rtc"].(map[string]any)["ips"] = map[string]any{"includes": []string{bind + "/32"}}
	}
	if cfg.Redis.Address != "" {
		doc["redis"] = cfg.Redis.liveKit()
	}
	raw, err := yaml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	conf, err := config.NewConfig(string(raw), true, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("room server config: %w", err)
	}
	return conf, nil
}

// pliThrottle is the least time between keyframe requests the server
// passes on to a publisher, per layer.
const pliThrottle = "20ms"

// congestionControl is rtc.congestion_control: how the SFU decides what
// each subscriber's downlink can carry. It does not touch publishers' uplinks.
// Keys left out keep LiveKit's defaults (enabled: true, the allocator's and
// estimators' tuning).
func congestionControl() map[string]any {
	return map[string]any{
		// Estimate each subscriber's downlink from transport-wide CC feedback
		// (LiveKit's own send-side estimator) rather than from REMB. The
		// server then offers transport-cc instead of goog-remb to
		// subscribers. Browsers and LiveKit's Go SDK answer with TWCC
		// feedback; the Go SDK never sends REMB, so with the default the SFU
		// gets no estimate for a Go subscriber and never moves it to a lower
		// simulcast layer however lossy its link.
		"use_send_side_bwe": true,
		// The other send-side variant (pion's gcc with a no-op pacer) stays
		// off: the SFU writes RTX retransmissions and probes through the
		// same writer, on SSRCs that pacer does not know, and it drops them.
		"use_send_side_bwe_interceptor": false,
		// When even every track's lowest layer does not fit the estimate,
		// true lets the allocator pause video tracks altogether (and reset
		// the estimate to probe back up); false keeps each subscribed video
		// at its lowest layer, over the estimate if need be. Confer's calls
		// are small and the lowest layer cheap, and a picture that stops
		// looks like a failure, so video is never paused. (A client can still
		// ask for pausing with subscriber_allow_pause when it joins.)
		"allow_pause":   false,
		"send_side_bwe": map[string]any{"congestion_detector": congestionDetector()},
	}
}

// congestionDetector is where LiveKit's send-side estimator is quicker
// than its defaults to call a subscriber's downlink congested. A link capped
// below the layer it gets keeps a full queue and drops what overflows it:
// the delay stands still (no rising trend, so the queuing-delay signal never
// fires) and only the loss signal does, after 6 packet groups (of 30
// packets or 500 ms). That took 3.5 s after the first packets behind a
// 300 kbit/s cap, and the picture stood still all along, for a browser as
// for Confer (`make bench`, netbad, server log at debug). Here 2 groups with
// heavy loss make congestion: 1.8–1.9 s freezes behind that cap in two runs
// (2.8 s with 3 groups). The loss threshold itself (a weighted loss of
// 0.25: some 20 % at 100 packets a second) is LiveKit's, so random loss
// below that still leaves the layer alone. Shorter groups (200 ms, 4 of
// them) did as well there, but they made the queuing-delay signal quicker
// too: in a
// 4-party call on two shared cores, whose stalls look like queues, a
// receiver got every stream on the smallest layer for its first 2 s, and
// the switches up froze them for 0.2–0.4 s (`-only party -keep`, one run
// each way). The early warning that must come first keeps LiveKit's 3 loss
// groups: with 2 the 300 kbit/s freeze was a little shorter (1.5–2.1 s
// against 2.0–2.5 s, three alternating runs of `-only netbad -netbad
// down-cap-300,down-loss-20,down-cap-600`), but behind 600 kbit/s the
// receiver went to the smallest layer with freezes of 0.6–0.8 s, where
// otherwise it kept the full or middle layer with none over 121 ms.
func congestionDetector() map[string]any {
	return map[string]any{
		"loss_congested_jqr": map[string]any{"min_number_of_groups": 2, "min_duration": "200ms"},
		"loss_congested_dqr": map[string]any{"min_number_of_groups": 2, "min_duration": "200ms"},
	}
}

// cameraStreamTracker is video.stream_tracker_manager.video: how the
// server tells that a camera's simulcast layer has stopped. A sender stops
// its larger layers when its estimate falls, and until the server notices,
// the receivers of a stopped layer see nothing. LiveKit counts a layer's
// packets over 500 ms cycles and calls it stopped after a cycle with fewer
// than 5: 0.5–1 s after its last packet, and the receivers' picture stood
// still for 0.4–1.5 s (`make bench`, netbad). Here a cycle is 200 ms and
// needs 2 packets, the same rate, noticed in 0.2–0.4 s. The price: a
// sender's link that stalls for a whole cycle (200–400 ms, against
// 0.5–1 s before) also stops its larger layers, and so does the gap while
// a sender restarts its camera (another quality or device) on a busy
// machine. LiveKit counts a stopped layer as back after 10 s of packets,
// and for those 10 s receivers got the small layer of a sender that had
// long resumed (CI: a quality change decoded at 640×360 for 10 s). Here it
// is 2 s (10 cycles): senders already hold a layer's shape against
// flapping (Confer's for 2 s, media/video/allocate.go's settle). The
// smallest layer keeps LiveKit's cycle: it stops only with the camera.
func cameraStreamTracker() map[string]any {
	layer := func(samples, cycles int, cycle string) map[string]any {
		return map[string]any{"samples_required": samples, "cycles_required": cycles, "cycle_duration": cycle}
	}
	return map[string]any{
		"stream_tracker_type": "packet",
		"packet_tracker": map[int]any{
			0: layer(1, 4, "500ms"),
			1: layer(2, layerBackCycles, "200ms"),
			2: layer(2, layerBackCycles, "200ms"),
		},
	}
}

// layerBackCycles is how many 200 ms cycles with packets a stopped layer
// needs to count as back: 2 s.
const layerBackCycles = 10

// livekitLogger sets LiveKit's logger, a package variable of its, once per
// process. Goroutines of an earlier node live on (prometheus.Init's CPU
// monitor logs through it when the machine is busy), so setting it again
// for a second node in the same process raced with their reads.
var livekitLogger sync.Once

// newLiveKit builds, without starting, the node for conf, logging to log
// (LiveKit logs through the first node's logger for the life of the
// process).
func newLiveKit(conf *config.Config, log logger.Logger) (*service.LivekitServer, error) {
	livekitLogger.Do(func() { logger.SetLogger(log, "livekit") })
	node, err := routing.NewLocalNode(conf)
	if err != nil {
		return nil, err
	}
	// The node's stats worker needs prometheus set up, or it dies on a nil pointer.
	if err := prometheus.Init(string(node.NodeID()), livekit.NodeType_SERVER); err != nil {
		return nil, err
	}
	return service.InitializeServer(conf, node)
}

// advertisedHost is the host:port that clients should dial.
func advertisedHost(bind string, addr net.Addr) string {
	port := strconv.Itoa(addr.(*net.TCPAddr).Port)
	ip := net.ParseIP(bind)
	if ip == nil || ip.IsUnspecified() {
		if lan := lanIPv4(); lan != "" {
			return net.JoinHostPort(lan, port)
		}
		return net.JoinHostPort("127.0.0.1", port)
	}
	return net.JoinHostPort(bind, port)
}

// lanIPv4 is the first non-loopback IPv4 address of an interface that is up.
func lanIPv4() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return "127.0.0.1"
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
				return ipn.IP.String()
			}
		}
	}
	return "127.0.0.1"
}
