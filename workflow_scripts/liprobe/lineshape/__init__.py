"""Line shapes and the deconvolution of 1D spectra into sites."""
