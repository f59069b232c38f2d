package rollout

import "time"

// CursorAfter returns the cursor that continues a listing after a session with sort key
// (at, id), so a caller merging this store with another can page both from one position.
func CursorAfter(at time.Time, id string) string {
	return cursor{at: at, id: id}.encode()
}

// CursorPosition is the sort key a cursor of this store continues after.
func CursorPosition(c string) (time.Time, string, error) {
	cur, err := decodeCursor(c)
	if err != nil {
		return time.Time{}, "", err
	}
	return cur.at, cur.id, nil
}
