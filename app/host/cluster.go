package host

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/livekit/livekit-server/pkg/routing"
	"github.com/livekit/livekit-server/pkg/routing/selector"
	"github.com/livekit/protocol/livekit"
	redisLiveKit "github.com/livekit/protocol/redis"
	"github.com/livekit/protocol/xtls"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	"confer/app"
)

// nodeURLsKey is the Redis hash where each Confer node of a cluster keeps
// the URL clients reach it at, by LiveKit node ID. LiveKit's own node
// records (routing.NodesKey) carry the node's IP but not its port or
// scheme, and a client that fails over to another node needs both.
const nodeURLsKey = "confer:node_urls"

// registerEvery is how often a node writes its URL again: after a restart
// of Redis the entry is back within this.
const registerEvery = 5 * time.Second

// directory knows the nodes of this node's cluster and where rooms are
// hosted. Without Redis the cluster is this node alone.
type directory struct {
	self livekit.NodeID
	url  string
	rc   redis.UniversalClient // nil without Redis
	stop chan struct{}
	done chan struct{}
}

// newDirectory registers this node's URL in Redis and keeps it there
// until close.
func newDirectory(self livekit.NodeID, url string, opts RedisOptions) (*directory, error) {
	d := &directory{self: self, url: url, stop: make(chan struct{}), done: make(chan struct{})}
	if opts.Address == "" {
		close(d.done)
		return d, nil
	}
	conf := redisConfig(opts)
	rc, err := redisLiveKit.GetRedisClient(&conf)
	if err != nil {
		return nil, err
	}
	d.rc = rc
	if err := d.register(); err != nil {
		rc.Close()
		return nil, err
	}
	go d.keepRegistered()
	return d, nil
}

func redisConfig(o RedisOptions) redisLiveKit.RedisConfig {
	c := redisLiveKit.RedisConfig{Address: o.Address, Username: o.Username, Password: o.Password, DB: o.DB}
	if o.TLS {
		c.TLS = &xtls.Config{Enabled: true, CACertFile: o.CACertFile}
	}
	return c
}

func (d *directory) register() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return d.rc.HSet(ctx, nodeURLsKey, string(d.self), d.url).Err()
}

func (d *directory) keepRegistered() {
	defer close(d.done)
	t := time.NewTicker(registerEvery)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			_ = d.register() // Redis away: LiveKit logs it; try again next time
		}
	}
}

// close takes this node's URL out of the directory.
func (d *directory) close() {
	if d.rc == nil {
		return
	}
	close(d.stop)
	<-d.done
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = d.rc.HDel(ctx, nodeURLsKey, string(d.self)).Err()
	_ = d.rc.Close()
}

// nodes lists the nodes serving now (LiveKit's own liveness: stats less
// than 5 s old), each with its URL; this node first.
func (d *directory) nodes(ctx context.Context) ([]app.ClusterNode, error) {
	if d.rc == nil {
		return []app.ClusterNode{{ID: string(d.self), URL: d.url}}, nil
	}
	raw, err := d.rc.HGetAll(ctx, routing.NodesKey).Result()
	if err != nil {
		return nil, err
	}
	urls, err := d.rc.HGetAll(ctx, nodeURLsKey).Result()
	if err != nil {
		return nil, err
	}
	var out []app.ClusterNode
	for id, data := range raw {
		var n livekit.Node
		if proto.Unmarshal([]byte(data), &n) != nil || n.State != livekit.NodeState_SERVING || !selector.IsAvailable(&n) {
			continue
		}
		cn := app.ClusterNode{ID: id, URL: urls[id]}
		if n.Stats != nil {
			cn.Rooms = int(n.Stats.NumRooms)
		}
		out = append(out, cn)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].ID == string(d.self)) != (out[j].ID == string(d.self)) {
			return out[i].ID == string(d.self)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// rooms maps each room to the ID of the node hosting it; nil without
// Redis, where every room is on this node.
func (d *directory) rooms(ctx context.Context) (map[string]string, error) {
	if d.rc == nil {
		return nil, nil
	}
	return d.rc.HGetAll(ctx, routing.NodeRoomKey).Result()
}

// roomNode is the ID of the node hosting room, "" if none (or no Redis).
func (d *directory) roomNode(ctx context.Context, room string) (string, error) {
	if d.rc == nil {
		return "", nil
	}
	id, err := d.rc.HGet(ctx, routing.NodeRoomKey, room).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return id, err
}
