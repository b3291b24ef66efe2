package unitcheck

import (
	"errors"
	"fmt"
	"strings"
)

// splitFields splits a sysusers.d or tmpfiles.d line into white-space
// separated fields. A field may be quoted with "..." or '...' (the quotes are
// removed) and a backslash escapes the next character. With n > 0 at most n
// fields are returned, the last being the rest of the line as written (the
// tmpfiles.d argument).
func splitFields(line string, n int) ([]string, error) {
	var out []string
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return out, nil
		}
		if n > 0 && len(out) == n-1 {
			return append(out, strings.TrimRight(line[i:], " \t")), nil
		}
		var b strings.Builder
		var quote byte
	field:
		for ; i < len(line); i++ {
			c := line[i]
			switch {
			case c == '\\':
				if i+1 >= len(line) {
					return nil, errors.New("line ends in a lone backslash")
				}
				i++
				b.WriteByte(line[i])
			case quote != 0 && c == quote:
				quote = 0
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
			case quote == 0 && isSpace(c):
				break field
			default:
				b.WriteByte(c)
			}
		}
		if quote != 0 {
			return nil, fmt.Errorf("unterminated %c quote", quote)
		}
		out = append(out, b.String())
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// unset maps the "-" placeholder of sysusers.d and tmpfiles.d to "".
func unset(field string) string {
	if field == "-" {
		return ""
	}
	return field
}

// dataLines calls fn with each non-empty, non-comment line and its number.
func dataLines(text string, fn func(line string, no int) error) error {
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(line) > maxLine {
			return fmt.Errorf("line %d: longer than %d bytes", i+1, maxLine)
		}
		if err := fn(line, i+1); err != nil {
			return fmt.Errorf("line %d: %w", i+1, err)
		}
	}
	return nil
}
