// Saved Jupyter widgets, offline: loaded after require.js and before the widgets' HTML manager
// (embed-amd.js), on book pages with widget state and in the lecture decks. Copied by
// tools/offline_assets.py into _static/vendor/ next to require.js and html-manager/.
(function () {
  "use strict";
  var me = document.currentScript && document.currentScript.src;
  var vendor = me ? me.slice(0, me.lastIndexOf("/") + 1) : "";
  // 1. The HTML manager's AMD module resolves its fonts (and any module) next to itself: point
  //    its module id at our copy, not at a path relative to each page.
  if (window.require && window.require.config && vendor) {
    window.require.config({
      paths: {"@jupyter-widgets/html-manager/dist": vendor + "html-manager"}
    });
  }
  // 2. @jupyter-widgets/controls typesets labels with the MathJax 2 API (MathJax.Hub.Queue);
  //    the site serves MathJax 3. Forward the call once MathJax 3 is on the page.
  function installHub() {
    var mj = window.MathJax;
    if (!mj || mj.Hub || !mj.startup) {
      return;
    }
    mj.Hub = {
      Queue: function (job) {
        var element = Array.isArray(job) ? job[2] : undefined;
        return mj.startup.promise.then(function () {
          return mj.typesetPromise(element ? [element] : undefined);
        });
      }
    };
  }
  installHub();
  document.addEventListener("DOMContentLoaded", installHub);
})();
