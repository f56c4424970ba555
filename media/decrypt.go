package media

// Decrypt restores one received encoded frame (a whole VP8 frame, as the
// receive pipeline reassembled it from its packets, or one Opus packet) to
// what the sender's encoder produced: end-to-end encryption, undone before
// decoding. It appends the result to dst, whose spare capacity it may use,
// and returns it. An error means the frame cannot be read or trusted: the
// pipeline drops it and never hands it to a decoder. A receive pipeline
// without a Decrypt decodes frames as they arrive.
type Decrypt func(dst, frame []byte) ([]byte, error)
