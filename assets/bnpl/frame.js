// Moneywall frame: leave for the merchant's page, from an iframe too (the whole tab goes).
(function () {
  var target = document.querySelector('[data-redirect]');
  if (!target) return;
  var url = target.getAttribute('data-redirect');
  setTimeout(function () {
    try {
      (window.top || window).location.href = url;
    } catch (e) {
      window.location.href = url;
    }
  }, 1500);
})();
