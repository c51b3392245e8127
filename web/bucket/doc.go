// Package bucket holds the pure logic of the bucket screens: which objects the console previews and
// how (preview.go), which bytes of a selection go into a zip and under which names (selection.go),
// and the checks of a bucket's visibility form (visibility.go). It does no I/O: the handlers read
// objects through web/oscar and hand the bytes here.
package bucket
