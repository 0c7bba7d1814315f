//! SVG charts: histograms, heat maps and bar charts as standalone `<svg>` strings.
