"""The DBSCAN page's tabs: the clustering with its k-distance curve, and the eps comparison."""
