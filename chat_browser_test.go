package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"

	"confer/app"
	"confer/app/livekit"
	"confer/internal/testenv"
)

// chatInteropDir holds the chat page and its driver; setup.sh installs
// livekit-client and playwright-core there.
const chatInteropDir = "scripts/chat-interop"

// Confer and livekit-client in headless Chromium chat both ways: the
// page's text streams on lk.chat and its older ChatMessage packets reach
// Confer; Confer's messages, a long one too, reach the page's
// registerTextStreamHandler whole. Raised hands (handRaisedAt) show on
// both sides.
func TestChatInteropsWithLivekitClient(t *testing.T) {
	chromium := readyInterop(t, chatInteropDir, "chat")
	livekit.SetLibraryLogger(testenv.QuietLog())
	srv := testenv.StartServer(t)
	confer := quietPeer(t, srv.URL(), "chat-interop")
	page := openChatPage(t, serveDir(t, chatInteropDir), srv.URL(), chromium)
	defer page.close()
	page.expect(t, "joined")
	confer.await(t, "the browser joined", func(ev app.Event) bool { e, ok := ev.(app.UserJoined); return ok && e.UserID == "browser" })

	// The browser to Confer: a text stream, then the older packet.
	for _, m := range []struct{ cmd, text string }{{"send", "hello from the browser 🌐 — ça va?"}, {"legacy", "and the old way"}} {
		page.send(t, map[string]any{"cmd": m.cmd, "text": m.text}, "sent")
		confer.await(t, "the page's message "+m.cmd, func(ev app.Event) bool {
			e, ok := ev.(app.ChatReceived)
			return ok && e.From == "browser" && e.Text == m.text && e.Name == "Browser"
		})
	}

	// Confer to the browser: short, and long enough for several chunks.
	says := []string{"hello from Confer 🎉", strings.Repeat("Grüße 世界 🎉 ", 1500)}
	for _, text := range says {
		if _, err := confer.call.SendChat(text); err != nil {
			t.Fatal(err)
		}
	}
	st := page.send(t, map[string]any{"cmd": "received", "from": "confer", "count": len(says)}, "received")
	for i, m := range st.Received {
		if m.Text != says[i] {
			t.Errorf("the page received message %d as %.40q (%d bytes), want %.40q (%d bytes)", i, m.Text, len(m.Text), says[i], len(says[i]))
		}
	}

	// Hands, both ways.
	confer.call.RaiseHand(true)
	st = page.send(t, map[string]any{"cmd": "hand-of", "from": "confer"}, "hand-of")
	if _, err := time.Parse(time.RFC3339, st.Hands["confer"]); err != nil {
		t.Errorf("Confer's hand reads %q in the browser: %v", st.Hands["confer"], err)
	}
	page.send(t, map[string]any{"cmd": "hand"}, "hand")
	confer.await(t, "the browser's hand", func(ev app.Event) bool { e, ok := ev.(app.HandRaised); return ok && e.UserID == "browser" && e.Raised })
}

// serveDir serves dir on loopback until the test ends; it returns the
// URL of its index.html.
func serveDir(t *testing.T, dir string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return "http://" + ln.Addr().String() + "/index.html"
}

// eventPeer is a Confer call without devices whose events the test reads.
type eventPeer struct{ call *app.Call }

func quietPeer(t *testing.T, server, room string) *eventPeer {
	t.Helper()
	p := &eventPeer{call: app.New(livekit.New(app.TransportConfig{Log: testenv.QuietLog()}), app.WithLogger(testenv.QuietLog()))}
	t.Cleanup(func() {
		go func() {
			for range p.call.Events() {
			}
		}()
		p.call.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := p.call.Join(ctx, app.JoinParams{ServerURL: server, RoomID: room, UserID: "confer", Name: "Confer",
		APIKey: testenv.Keys.APIKey, APISecret: testenv.Keys.APISecret})
	if err != nil {
		t.Fatalf("Confer joins: %v", err)
	}
	return p
}

func (p *eventPeer) await(t *testing.T, what string, match func(app.Event) bool) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-p.call.Events():
			if match(ev) {
				return
			}
		case <-timeout:
			t.Fatalf("Confer: %s not within 20 s", what)
		}
	}
}

// chatPageState is what page.js's interopState returns.
type chatPageState struct {
	Received []struct{ From, Text, ID string } `json:"received"`
	Hands    map[string]string                 `json:"hands"`
}

// chatPage is run.mjs driving Chromium.
type chatPage struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func openChatPage(t *testing.T, pageURL, server, chromium string) *chatPage {
	t.Helper()
	at := auth.NewAccessToken(testenv.Keys.APIKey, testenv.Keys.APISecret)
	grant := &auth.VideoGrant{RoomJoin: true, Room: "chat-interop"}
	grant.SetCanUpdateOwnMetadata(true) // its hand
	at.SetVideoGrant(grant).SetIdentity("browser").SetName("Browser").SetValidFor(time.Hour)
	token, err := at.ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(chatInteropDir, "run.mjs"), pageURL, server, token)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "XDG_CONFIG_HOME="+t.TempDir())
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &chatPage{cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	return p
}

// send gives run.mjs a command and returns the page's state from its
// answer, which must be the event want.
func (p *chatPage) send(t *testing.T, cmd map[string]any, want string) chatPageState {
	t.Helper()
	line, _ := json.Marshal(cmd)
	if _, err := fmt.Fprintf(p.stdin, "%s\n", line); err != nil {
		t.Fatalf("run.mjs: %v", err)
	}
	return p.expect(t, want)
}

func (p *chatPage) expect(t *testing.T, want string) chatPageState {
	t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			t.Fatalf("run.mjs ended before %q", want)
		}
		var msg struct {
			Event string        `json:"event"`
			State chatPageState `json:"state"`
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil || msg.Event != want {
			t.Fatalf("run.mjs said %.300s, want the event %q", line, want)
		}
		return msg.State
	case <-time.After(60 * time.Second):
		t.Fatalf("run.mjs: no %q within 60 s", want)
	}
	return chatPageState{}
}

// close lets run.mjs close Chromium, and kills it if it does not.
func (p *chatPage) close() {
	_, _ = io.WriteString(p.stdin, `{"cmd":"quit"}`+"\n")
	_ = p.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}
