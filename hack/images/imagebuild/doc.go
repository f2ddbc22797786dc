// Package imagebuild builds the project's container images without a container engine:
// a static Go binary (CGO_ENABLED=0) on an empty base, with a small file-system layer
// of what a distroless "static" base would give it (CA certificates, passwd and group
// entries for the non-root user), run as 65532:65532, with OCI labels naming the
// version, revision and source. Images are written as tar archives that are at the same
// time an OCI image layout and a `docker save` archive, so `docker load`, `podman load`,
// `kind load image-archive`, `ctr images import`, skopeo (oci-archive:) and
// `crane push` all accept them.
package imagebuild
