"""The segmentation page's "Show code": pure functions of the state, testable without Qt."""

from __future__ import annotations

from .state import SAMPLES, SegmentationState


def _size_text(state: SegmentationState, key: str) -> str:
    image = state.images.get(key)
    if image is None:
        return "(height, width, 3) uint8"
    h, w = image.shape
    return f"shape ({h}, {w}, 3)"


def load_code(state: SegmentationState, title: str) -> str:
    """Imports and the line that loads the image."""
    key = state.params.image
    size = _size_text(state, key)
    if key in SAMPLES:
        return ("from sklearn.cluster import KMeans\n"
                "from sklearn.datasets import load_sample_image\n\n"
                f'image = load_sample_image("{SAMPLES[key][1]}.jpg")  # {size}\n')
    read = state.image_codes.get(key)
    if read:  # the file read as ClusterLab read it (orientation, transparency on white)
        return f"{read.rstrip()}  # {size}\nfrom sklearn.cluster import KMeans\n\n"
    return ("import numpy as np\nfrom PIL import Image\n"
            "from sklearn.cluster import KMeans\n\n"
            f'image = np.asarray(Image.open("{title or "my_photo.jpg"}").convert("RGB"))'
            f"  # {size}\n")


def segmentation_code(state: SegmentationState, title: str = "") -> str:
    """The chapter's segmentation of the current image with the shown k."""
    k = state.params.k if state.shown is None else state.shown.k
    seed = state.params.seed
    return (
        f"{load_code(state, title)}"
        "X = image.reshape(-1, 3)\n"
        f"kmeans = KMeans(n_clusters={k}, random_state={seed}).fit(X)\n"
        "segmented_img = kmeans.cluster_centers_[kmeans.labels_]\n"
        "segmented_img = segmented_img.reshape(image.shape)\n"
        "print(f\"scikit-learn's KMeans inertia: {kmeans.inertia_:,.4g}\")\n"
    )


def strip_code(state: SegmentationState) -> str:
    """The chapter's figure: 10, 8, 6, 4 and 2 colours (after :func:`segmentation_code`)."""
    seed = state.params.seed
    return (
        "\n# the chapter's figure\n"
        "import matplotlib.pyplot as plt\n\n"
        "segmented_imgs = []\n"
        "n_colors = (10, 8, 6, 4, 2)\n"
        "for n_clusters in n_colors:\n"
        f"    kmeans = KMeans(n_clusters=n_clusters, random_state={seed}).fit(X)\n"
        "    segmented_img = kmeans.cluster_centers_[kmeans.labels_]\n"
        "    segmented_imgs.append(segmented_img.reshape(image.shape))\n"
        "    print(f\"inertia {n_clusters} colours: {kmeans.inertia_:,.4g}\")\n\n"
        "plt.figure(figsize=(10, 5))\n"
        "plt.subplot(2, 3, 1)\n"
        "plt.imshow(image)\n"
        'plt.title("Original image")\n'
        'plt.axis("off")\n'
        "for idx, n_clusters in enumerate(n_colors):\n"
        "    plt.subplot(2, 3, 2 + idx)\n"
        "    plt.imshow(segmented_imgs[idx] / 255)\n"
        '    plt.title(f"{n_clusters} colors")\n'
        '    plt.axis("off")\n'
        "plt.show()\n"
    )


def engine_code(state: SegmentationState) -> str:
    """The page's own numbers: ClusterLab's engine (installed with ClusterLab)."""
    k = state.params.k if state.shown is None else state.shown.k
    seed = state.params.seed
    return (
        "\n# What the page shows: ClusterLab's engine minimises the same inertia many times\n"
        "# faster (it clusters the photo's colours counted in bins, then gives every pixel\n"
        "# its exactly nearest colour); like any K-Means run it can settle in another local\n"
        "# minimum than the call above, often a lower one.\n"
        "from core.segmentation import segment_image\n\n"
        f"seg = segment_image(image, {k}, random_state={seed})  # seg.image, seg.palette\n"
        "print(f\"colours: {seg.n_palette}\")\n"
        "print(f\"inertia: {seg.inertia:,.4g}\")\n"
        "print(f\"shares: {' / '.join(f'{share:.1%}' for share in seg.shares)}\")\n"
    )


def code(state: SegmentationState, title: str = "", strip: bool = False) -> str:
    """What "Show code" shows: the segmentation, the chapter's figure on its tab, and how
    ClusterLab's engine does the same."""
    text = segmentation_code(state, title)
    if "import numpy as np" not in text:
        text = "import numpy as np\n" + text
    if strip:
        text += strip_code(state)
    return text + engine_code(state)
