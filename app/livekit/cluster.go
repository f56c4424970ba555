package livekit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"confer/app"
)

// errNoDirectory: the server does not answer app.ClusterPath (a LiveKit
// server that is not confer serve, or an older one).
var errNoDirectory = errors.New("the server keeps no cluster directory")

// fetchCluster asks a confer serve node which nodes its cluster has (and,
// for an admin token, where each room is hosted).
func fetchCluster(ctx context.Context, serverURL, token string) (app.ClusterInfo, error) {
	var info app.ClusterInfo
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, httpURL(serverURL)+app.ClusterPath, nil)
	if err != nil {
		return info, app.ErrInvalidServer
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Close = true // asked once a call: keep no idle connection behind
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return info, dialError(ctx, serverURL, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return info, errNoDirectory
	default:
		return info, fmt.Errorf("cluster directory: the server answered %q", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return info, dialError(ctx, serverURL, err)
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return info, fmt.Errorf("cluster directory: %w", err)
	}
	return info, nil
}

// learnCluster tells the call the nodes it can fail over to, when the
// server is one node of a cluster that keeps a directory.
func (s *session) learnCluster(token string) {
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	info, err := fetchCluster(ctx, s.url, token)
	if err != nil {
		if !errors.Is(err, errNoDirectory) {
			s.t.config().Log.Debug("no cluster directory", "err", err)
		}
		return
	}
	if len(info.Nodes) < 2 {
		return
	}
	urls := make([]string, 0, len(info.Nodes))
	for _, n := range info.Nodes {
		urls = append(urls, n.URL)
	}
	s.emit(app.ClusterNodes{URLs: urls})
}

// waitRoomPlaced waits, before a rejoin, while the cluster still places the
// room on a node that has stopped serving (it is closing its rooms): a join
// routed there hangs until LiveKit's signal relay gives up. It gives up
// after roomPlaceWait, or at once when the server keeps no directory.
func waitRoomPlaced(ctx context.Context, url, token string) {
	ctx, cancel := context.WithTimeout(ctx, roomPlaceWait)
	defer cancel()
	for {
		info, err := fetchCluster(ctx, url, token)
		if err != nil || info.RoomNode == "" || info.Serving(info.RoomNode) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// roomPlaceWait bounds waitRoomPlaced: a node closes its rooms within a
// second of saying it stops.
const roomPlaceWait = 3 * time.Second
