"""The Choosing k page's one view: curves above, silhouette diagrams and the clustering below."""
