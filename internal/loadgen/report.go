package loadgen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ReadResults reads Results written one JSON object per line (what
// postern-load -json prints), skipping blank lines.
func ReadResults(r io.Reader) ([]Result, error) {
	var out []Result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" {
			continue
		}
		var res Result
		if err := json.Unmarshal([]byte(l), &res); err != nil {
			return nil, fmt.Errorf("loadgen: results line %d: %w", n, err)
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

// Comparison is one workload's line of a comparison of two servers.
type Comparison struct {
	Workload, Metric string
	// A and B are the medians of the rounds' values for the two servers.
	A, B float64
	// Ratio is the median over rounds of A's value divided by B's in the
	// same round (0 when no round has both).
	Ratio float64
	// P99A and P99B are the medians of the rounds' p99 latencies, in ms.
	P99A, P99B float64
	// ErrorsA and ErrorsB add up the failed operations of every round.
	ErrorsA, ErrorsB int64
	Rounds           int
}

// Compare pairs the results of servers a and b (by Label) per workload
// and round. Workloads keep the order in which they first appear.
func Compare(results []Result, a, b string) []Comparison {
	type key struct {
		w     string
		round int
	}
	byKey := map[key]map[string]Result{}
	var order []string
	seen := map[string]bool{}
	for _, r := range results {
		if !seen[r.Workload] {
			seen[r.Workload] = true
			order = append(order, r.Workload)
		}
		k := key{r.Workload, r.Round}
		if byKey[k] == nil {
			byKey[k] = map[string]Result{}
		}
		byKey[k][r.Label] = r
	}
	var out []Comparison
	for _, w := range order {
		c := Comparison{Workload: w}
		var va, vb, ratios, pa, pb []float64
		for k, m := range byKey {
			if k.w != w {
				continue
			}
			ra, okA := m[a]
			rb, okB := m[b]
			if okA {
				va, pa = append(va, ra.Value), append(pa, ra.P99ms)
				c.ErrorsA += ra.Errors
				c.Metric = ra.Metric
			}
			if okB {
				vb, pb = append(vb, rb.Value), append(pb, rb.P99ms)
				c.ErrorsB += rb.Errors
				c.Metric = rb.Metric
			}
			if okA && okB && rb.Value > 0 {
				ratios = append(ratios, ra.Value/rb.Value)
				c.Rounds++
			}
		}
		c.A, c.B, c.Ratio = median(va), median(vb), median(ratios)
		c.P99A, c.P99B = median(pa), median(pb)
		out = append(out, c)
	}
	return out
}

// median returns the median of xs (the mean of the two middle values for
// an even count), 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// WriteTable writes comparisons as a Markdown table; nameA and nameB head
// the columns.
func WriteTable(w io.Writer, cs []Comparison, nameA, nameB string) {
	fmt.Fprintf(w, "| workload | metric | %s | %s | ratio (median) | p99 ms %s / %s | errors %s / %s | rounds |\n", nameA, nameB, nameA, nameB, nameA, nameB)
	fmt.Fprintf(w, "|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range cs {
		fmt.Fprintf(w, "| %s | %s | %.1f | %.1f | %.2f× | %.1f / %.1f | %d / %d | %d |\n",
			c.Workload, c.Metric, c.A, c.B, c.Ratio, c.P99A, c.P99B, c.ErrorsA, c.ErrorsB, c.Rounds)
	}
}
