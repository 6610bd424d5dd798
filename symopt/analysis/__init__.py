"""Abstract execution: what a program does, found without running it on real tensors."""
