"""SNV's pages: dashboard, score tree, sub-criterion page, cycles."""
