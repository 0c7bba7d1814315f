// Kuzet: checks a protocol's control relations while its figures are typed.
//
// Served from our own origin (the page's policy allows only this file; no inline script).
// The form works without it: the server checks the same relations on submit and flags the
// copy. The relations come from the form's data-relations attribute: for each, the columns
// summed on each side ("c" = every candidate's votes) and the comparison.
(function () {
  "use strict";
  var form = document.querySelector("form[data-relations]");
  if (!form) { return; }
  var relations;
  try { relations = JSON.parse(form.getAttribute("data-relations")); } catch (e) { return; }
  var status = document.getElementById("relation-status");
  var inputs = form.querySelectorAll("input[data-column]");

  function valueOf(column) {
    var input = form.querySelector("input[data-column='" + column + "']");
    if (!input) { return null; }
    var text = input.value.replace(/[\s\u00a0]/g, "");
    if (text === "") { return null; }
    if (!/^\d+$/.test(text)) { return NaN; }
    return parseInt(text, 10);
  }

  function candidatesSum() {
    var total = 0;
    var all = form.querySelectorAll("input[data-candidate]");
    for (var i = 0; i < all.length; i++) {
      var v = valueOf(all[i].getAttribute("data-column"));
      if (v === null || isNaN(v)) { return null; }
      total += v;
    }
    return all.length ? total : null;
  }

  function sum(side) {
    var total = 0;
    for (var i = 0; i < side.length; i++) {
      var v = side[i] === "c" ? candidatesSum() : valueOf(side[i]);
      if (v === null || isNaN(v)) { return null; }
      total += v;
    }
    return total;
  }

  function holds(left, op, right) {
    if (op === "=") { return left === right; }
    if (op === "<=") { return left <= right; }
    return left >= right;
  }

  function check() {
    var broken = [];
    var checked = 0;
    for (var i = 0; i < relations.length; i++) {
      var r = relations[i];
      var left = sum(r.left);
      var right = sum(r.right);
      if (left === null || right === null) { continue; }
      checked++;
      if (!holds(left, r.op, right)) {
        broken.push(r.name + ": " + left + " " + r.op + " " + right);
      }
    }
    for (var j = 0; j < inputs.length; j++) {
      var value = valueOf(inputs[j].getAttribute("data-column"));
      inputs[j].setAttribute("aria-invalid", isNaN(value) ? "true" : "false");
    }
    if (!status) { return; }
    while (status.firstChild) { status.removeChild(status.firstChild); }
    status.className = broken.length ? "notice error" : (checked ? "notice ok" : "notice");
    var head = document.createElement("p");
    head.textContent = broken.length ? status.getAttribute("data-broken")
      : (checked ? status.getAttribute("data-holds") : status.getAttribute("data-waiting"));
    status.appendChild(head);
    if (broken.length) {
      var list = document.createElement("ul");
      for (var k = 0; k < broken.length; k++) {
        var item = document.createElement("li");
        item.textContent = broken[k];
        list.appendChild(item);
      }
      status.appendChild(list);
    }
  }

  form.addEventListener("input", check);
  check();
})();
