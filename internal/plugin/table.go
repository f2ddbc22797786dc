package plugin

import (
	"strings"
	"text/tabwriter"
)

// writeTable writes rows as aligned columns, each line starting with indent. Cells are
// written as given (callers pass free text through oneLine); a row's last cell is not
// padded, so lines carry no trailing blanks.
func writeTable(b *strings.Builder, indent string, rows [][]string) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		_, _ = tw.Write([]byte(indent + strings.Join(row, "\t") + "\n"))
	}
	_ = tw.Flush()
}

// oneLine keeps a free-text cell (a condition message, say) on its row, and shows an
// empty cell as "-" so columns stay readable.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return s
}
