package host

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/livekit/protocol/auth"

	"confer/app"
	"confer/app/roomkeys"
)

// clusterHandler answers app.ClusterPath for holders of a token signed
// with this server's keys.
type clusterHandler struct {
	keys roomkeys.Keys
	dir  *directory
	log  func(msg string, args ...any)
}

func (h *clusterHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	grants, ok := h.verify(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", "Bearer")
		http.Error(w, "a valid token is needed", http.StatusUnauthorized)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	info, err := h.info(ctx, grants)
	if err != nil {
		if r.Context().Err() == nil { // not a client that gave up
			h.log("cluster directory", "err", err)
		}
		http.Error(w, "the cluster's directory is not available", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (h *clusterHandler) info(ctx context.Context, grants *auth.ClaimGrants) (app.ClusterInfo, error) {
	nodes, err := h.dir.nodes(ctx)
	if err != nil {
		return app.ClusterInfo{}, err
	}
	info := app.ClusterInfo{Nodes: nodes}
	if !isAdmin(grants) && (grants.Video == nil || grants.Video.Room == "") {
		return info, nil
	}
	if isAdmin(grants) {
		info.Rooms, err = h.dir.rooms(ctx)
	} else {
		info.RoomNode, err = h.dir.roomNode(ctx, grants.Video.Room)
	}
	return info, err
}

// verify checks the bearer token's signature and lifetime.
func (h *clusterHandler) verify(r *http.Request) (*auth.ClaimGrants, bool) {
	raw, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found {
		return nil, false
	}
	v, err := auth.ParseAPIToken(raw)
	if err != nil || v.APIKey() != h.keys.APIKey {
		return nil, false
	}
	_, grants, err := v.Verify(h.keys.APISecret)
	return grants, err == nil
}

func isAdmin(g *auth.ClaimGrants) bool {
	return g != nil && g.Video != nil && g.Video.RoomList
}
