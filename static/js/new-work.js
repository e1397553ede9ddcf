// The queue's and the wallboard's announcements of new work (faults/new_work.py): every few
// seconds, ask what appeared since the previous answer; show each item in the page's notice
// list (a polite live region) and, where the person allowed it, as a browser notification.
// While the tab is in the background its title counts what arrived.
(function () {
  "use strict";
  var KEEP = 10;

  function start(section) {
    var url = section.getAttribute("data-new-work-url");
    var since = section.getAttribute("data-since");
    var seconds = parseInt(section.getAttribute("data-poll-seconds"), 10) || 30;
    var compact = section.classList.contains("new-work-compact");
    var list = section.querySelector(".new-work-list");
    var none = section.querySelector(".new-work-none");
    var allow = section.querySelector(".new-work-allow");
    var permission = section.querySelector(".new-work-permission");
    var clear = section.querySelector(".new-work-clear");
    var title = document.title;
    var unseen = 0;
    var timer = null;

    function canNotify() { return "Notification" in window && !compact; }

    function showPermission() {
      if (!canNotify() || !allow) { return; }
      var state = Notification.permission;
      allow.hidden = state !== "default";
      permission.hidden = state === "default";
      permission.textContent = state === "granted"
        ? "Browser notifications are on."
        : "Browser notifications are blocked for this site: allow them in your browser's site settings.";
    }

    function notify(item) {
      if (!canNotify() || Notification.permission !== "granted") { return; }
      var shown = new Notification(item.title + ": " + item.reference, {
        body: item.text, tag: item.kind + ":" + item.reference
      });
      shown.onclick = function () { window.focus(); location.assign(item.url); };
    }

    function add(item) {
      var li = document.createElement("li");
      li.className = "new-work-item new-work-" + item.kind;
      var what = document.createElement("strong");
      what.textContent = item.title + ": ";
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.reference;
      var time = document.createElement("time");
      time.dateTime = item.at;
      time.textContent = new Date(item.at).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/London" });
      li.appendChild(what);
      li.appendChild(link);
      li.appendChild(document.createTextNode(" " + (item.text ? "— " + item.text + " " : "") + "at "));
      li.appendChild(time);
      list.insertBefore(li, list.firstChild);
      while (list.children.length > KEEP) { list.removeChild(list.lastChild); }
      list.hidden = false;
      if (none) { none.hidden = true; }
      if (clear) { clear.hidden = false; }
    }

    function poll() {
      fetch(url + "?since=" + encodeURIComponent(since), {
        credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (answer) {
        if (answer.status === 401 || answer.status === 403) { clearInterval(timer); return null; }
        return answer.ok ? answer.json() : null;
      }).then(function (data) {
        if (!data) { return; }
        since = data.now;
        data.items.slice().reverse().forEach(function (item) { add(item); notify(item); });
        if (data.items.length && document.hidden) {
          unseen += data.items.length;
          document.title = "(" + unseen + ") " + title;
        }
      }).catch(function () { /* offline for a moment: the next poll asks again from the same moment */ });
    }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { unseen = 0; document.title = title; }
    });
    if (allow) {
      allow.addEventListener("click", function () {
        Notification.requestPermission().then(showPermission);
      });
    }
    if (clear) {
      clear.addEventListener("click", function () {
        list.innerHTML = "";
        list.hidden = true;
        if (none) { none.hidden = false; }
        clear.hidden = true;
      });
    }
    showPermission();
    timer = setInterval(poll, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-new-work-url]").forEach(start);
  });
})();
