package bot

import "confer/app"

// encryptionLog keeps what the call last reported of each remote track's
// end-to-end encryption (the goroutine reading the call's events only).
type encryptionLog map[remoteKey]app.RemoteEncryption

func (l encryptionLog) note(e app.RemoteEncryption) { l[remoteKey{e.UserID, e.Source}] = e }

// severity orders states for a remote's summary: the worst track speaks.
var severity = map[app.Encryption]int{
	app.EncryptionOK: 0, app.EncryptionNone: 1, app.EncryptionNoKey: 2, app.EncryptionFailed: 3,
}

// apply writes each remote's summary into st: the worst state of their
// tracks and the frames of all of them that could not be decrypted.
func (l encryptionLog) apply(st *Stats) {
	for k, e := range l {
		r := st.Remotes[k.user]
		if r == nil {
			r = &RemoteStats{}
			st.Remotes[k.user] = r
		}
		if r.E2EE == "" || severity[e.State] > severity[stateNamed(r.E2EE)] {
			r.E2EE = e.State.String()
		}
		r.E2EEFailedFrames += e.Failed
	}
}

func stateNamed(s string) app.Encryption {
	for e := range severity {
		if e.String() == s {
			return e
		}
	}
	return app.EncryptionOK
}
