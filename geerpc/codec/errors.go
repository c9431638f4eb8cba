package codec

import (
	"errors"
	"fmt"
)

// ErrMessageTooLarge is returned by a reader when a message is larger than its
// limit. It is returned before the claimed size is allocated. For gob, the
// limit also bounds one value together with the messages it continues into.
var ErrMessageTooLarge = errors.New("geerpc: message too large")

// ErrCorrupt is wrapped by the errors of the gob reader for a value or type
// definition it will not decode: malformed data, such as a map or slice
// that claims more elements than its message could hold, or one of the rare
// shapes whose decoding it cannot bound (see GobCodec). The value's
// messages have been read, as far as the reader could tell where it ends.
var ErrCorrupt = errors.New("geerpc: corrupted message")

// corruptError is an error of the gob reader that matches ErrCorrupt.
type corruptError struct{ msg string }

func (e *corruptError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *corruptError) Is(target error) bool { return target == ErrCorrupt }

// corrupt returns a corruptError with a formatted message.
func corrupt(format string, args ...any) error {
	return &corruptError{msg: fmt.Sprintf(format, args...)}
}
