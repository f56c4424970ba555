// Package wiring holds the parts main plugs into the app and the window:
// LiveKit's transport and a room server on this computer. Tests of the
// window use the same parts.
package wiring

import (
	"context"
	"log/slog"

	"confer/app"
	"confer/app/host"
	"confer/app/livekit"
)

// Transport is LiveKit's transport.
var Transport app.TransportFactory = livekit.Factory

// StartHost runs a room server for "Host on this computer" on LiveKit's
// usual ports, or on free ones when those are taken (another Confer
// hosting on this machine).
func StartHost(bind string, log *slog.Logger) (app.Host, error) {
	keys, err := host.LoadOrCreateKeys()
	if err != nil {
		return nil, err
	}
	cfg := host.Config{Bind: bind, Port: host.DefaultPort, RTCUDPPort: host.DefaultRTCUDPPort,
		RTCTCPPort: host.DefaultRTCTCPPort, Keys: keys, Log: log}
	srv, err := host.Start(context.Background(), cfg)
	if err != nil {
		cfg.Port, cfg.RTCUDPPort, cfg.RTCTCPPort = 0, 0, 0
		srv, err = host.Start(context.Background(), cfg)
	}
	if err != nil {
		return nil, err
	}
	admin, err := livekit.NewAdmin(srv.URL(), keys.APIKey, keys.APISecret)
	if err != nil {
		srv.Close()
		return nil, err
	}
	return hosted{srv, admin}, nil
}

type hosted struct {
	srv   *host.Server
	admin *livekit.Admin
}

func (h hosted) URL() string          { return h.srv.URL() }
func (h hosted) Admin() app.RoomAdmin { return h.admin }
func (h hosted) Close()               { _ = h.srv.Close() }
